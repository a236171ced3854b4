import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { shop, shopKeys, type Cart, type CartItem } from '../api/shop.ts';
import { back, Link, navigate, useLocation } from '../lib/router.tsx';
import { formatMoney } from '../paywall/money.ts';
import { Problem } from '../paywall/problem.tsx';
import { BackGlyph } from '../ui/icons.tsx';
import { checkoutPath, returnToFrom, signInPath, watchPath } from './links.ts';
import { optionsText, Thumb } from './order-parts.tsx';
import { QuantityStepper } from './product-parts.tsx';
import './shop.css';

/** `/cart[?ep&at]`: kept on the server for a signed-in viewer, grouped by shop (each ships and bills on its own). */
export function CartPage(): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  const { pathname, search } = useLocation();
  const returnTo = returnToFrom(search);
  const backTo = returnTo ? watchPath(returnTo) : '/me';
  const header = (
    <header className="page-top">
      <button type="button" className="icon-button" onClick={() => back(backTo)} aria-label={t('common.back')}>
        <BackGlyph size={20} />
      </button>
      <h1>{t('shop.cart.title')}</h1>
    </header>
  );
  if (loading) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  if (!session.user) {
    return (
      <div className="page page--narrow shop-page" data-testid="cart-page">
        {header}
        <div className="empty">
          <p>{t('shop.cart.signIn')}</p>
          <Link className="btn btn--primary" to={signInPath(`${pathname}?${search.toString()}`)} data-testid="cart-sign-in">
            {t('auth.signIn')}
          </Link>
        </div>
      </div>
    );
  }
  return (
    <div className="page page--narrow shop-page" data-testid="cart-page">
      {header}
      <CartBody returnTo={returnTo} backTo={backTo} />
    </div>
  );
}

function CartBody({ returnTo, backTo }: { returnTo: ReturnType<typeof returnToFrom>; backTo: string }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({ queryKey: shopKeys.cart, queryFn: () => shop.cart() });
  const update = useMutation({
    mutationFn: ({ item, quantity }: { item: CartItem; quantity: number | null }) => (quantity === null ? shop.removeItem(item.id) : shop.setQuantity(item.id, quantity)),
    onSuccess: (cart) => client.setQueryData<Cart>(shopKeys.cart, cart),
  });

  if (query.isPending) return <div className="skeleton-row" />;
  if (query.isError) return <Problem error={query.error} testId="cart-error" />;
  const cart = query.data;
  if (cart.items.length === 0) {
    return (
      <div className="empty" data-testid="cart-empty">
        <p>{t('shop.cart.empty')}</p>
        <Link className="btn btn--secondary" to={backTo}>
          {returnTo ? t('shop.backToEpisode') : t('nav.home')}
        </Link>
      </div>
    );
  }

  // Groups in the order their first item was added; a vanished SKU goes to its own group at the end.
  const groups = new Map<string, CartItem[]>();
  for (const item of cart.items) {
    const key = item.sku?.shopId ?? '';
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const currencies = cart.subtotals.map((s) => s.currency);

  return (
    <>
      {[...groups].map(([shopId, items]) => {
        const sku = items.find((item) => item.sku)?.sku;
        return (
          <section key={shopId || 'gone'} className="shop-panel" data-testid="cart-shop" data-shop-id={shopId}>
            <h2 className="section-title">{sku ? t('shop.cart.shop', { name: sku.shopName, currency: sku.currency }) : t('shop.cart.unavailable')}</h2>
            <ul className="shop-lines">
              {items.map((item) => (
                <CartRow key={item.id} item={item} busy={update.isPending} onQuantity={(quantity) => update.mutate({ item, quantity })} />
              ))}
            </ul>
          </section>
        );
      })}
      <Problem error={update.error} testId="cart-update-error" />
      <section className="shop-panel">
        <dl className="shop-totals" data-testid="cart-subtotals">
          {cart.subtotals.map((s) => (
            <div key={s.currency} className="shop-totals__row">
              <dt>{t('shop.totals.subtotalIn', { currency: s.currency })}</dt>
              <dd>{formatMoney(s.amountMinor, s.currency)}</dd>
            </div>
          ))}
        </dl>
        <p className="muted shop-note">{t('shop.checkout.shippingNote')}</p>
        {currencies.length <= 1 ? (
          <button type="button" className="btn btn--primary btn--block" disabled={currencies.length === 0} onClick={() => navigate(checkoutPath(null, returnTo))} data-testid="cart-checkout">
            {t('shop.cart.checkout')}
          </button>
        ) : (
          <>
            <p className="muted shop-note">{t('shop.cart.oneCurrency')}</p>
            {currencies.map((c) => (
              <button
                key={c}
                type="button"
                className="btn btn--primary btn--block shop-stack"
                onClick={() => navigate(`${checkoutPath(null, returnTo)}${returnTo ? '&' : '?'}currency=${c}`)}
                data-testid="cart-checkout"
              >
                {t('shop.cart.checkoutIn', { currency: c })}
              </button>
            ))}
          </>
        )}
      </section>
    </>
  );
}

function CartRow({ item, busy, onQuantity }: { item: CartItem; busy: boolean; onQuantity: (quantity: number | null) => void }): ReactNode {
  const { t } = useTranslation();
  const sku = item.sku;
  const problem = !sku || !sku.active ? t('shop.cart.notOnSale') : sku.available === 0 ? t('shop.stock.soldOut') : sku.available < item.quantity ? t('shop.stock.low', { count: sku.available }) : null;
  return (
    <li className="shop-line shop-line--cart" data-testid="cart-item" data-sku-id={item.skuId}>
      <Thumb src={sku?.image ?? null} />
      <span className="shop-line__text">
        <span className="shop-line__title">{sku?.title ?? t('shop.cart.unavailable')}</span>
        {sku && Object.keys(sku.options).length > 0 && <span className="muted shop-line__options">{optionsText(sku.options)}</span>}
        {sku && <span className="shop-line__unit">{formatMoney(sku.priceMinor, sku.currency)}</span>}
        {problem && <span className="shop-line__problem">{problem}</span>}
      </span>
      <span className="shop-line__controls">
        {sku?.active && (
          <QuantityStepper value={item.quantity} max={Math.max(item.quantity, Math.min(99, sku.available))} disabled={busy} onChange={(quantity) => onQuantity(quantity)} />
        )}
        <button type="button" className="link-button link-button--muted" onClick={() => onQuantity(null)} disabled={busy} data-testid="cart-remove">
          {t('shop.cart.remove')}
        </button>
      </span>
    </li>
  );
}
