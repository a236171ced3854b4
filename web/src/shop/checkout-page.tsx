import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { useSession } from '../api/session.ts';
import { shop, shopKeys, type Address, type CheckoutInput, type CheckoutResult } from '../api/shop.ts';
import { back, Link, useLocation } from '../lib/router.tsx';
import { useIntentKeys } from '../paywall/intent-key.ts';
import { formatMoney } from '../paywall/money.ts';
import { Problem } from '../paywall/problem.tsx';
import { BackGlyph } from '../ui/icons.tsx';
import { AddressForm, cleanAddress, emptyAddress, validateAddress, type AddressErrors, type AddressField } from './address-form.tsx';
import { cartPath, returnToFrom, signInPath } from './links.ts';
import { OrderSummary, type SummaryLine } from './order-parts.tsx';
import './shop.css';

/**
 * `/checkout?product&sku&qty` (buy now) or `/checkout[?currency]` (the cart), with `ep&at` for the way
 * back. Two steps: the address, then the server's orders (shipping and totals as it computed them) and
 * "pay", which leaves for the provider's hosted page.
 */
export function CheckoutPage(): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  const { pathname, search } = useLocation();
  const here = `${pathname}?${search.toString()}`;
  if (loading) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  if (!session.user) {
    return (
      <div className="page page--narrow" data-testid="checkout-page">
        <div className="empty">
          <p>{t('shop.checkout.signIn')}</p>
          <Link className="btn btn--primary" to={signInPath(here)}>
            {t('auth.signIn')}
          </Link>
        </div>
      </div>
    );
  }
  return <Checkout search={search} />;
}

function serverFieldErrors(error: unknown): AddressErrors {
  if (!isApiError(error, 'VALIDATION_FAILED')) return {};
  const list = error.extra.errors;
  const errors: AddressErrors = {};
  if (!Array.isArray(list)) return errors;
  for (const item of list as unknown[]) {
    const path = typeof item === 'object' && item !== null && 'path' in item && typeof item.path === 'string' ? item.path : '';
    const match = /^\/address\/(name|line1|line2|city|postcode|country|phone)/.exec(path);
    if (match?.[1]) errors[match[1] as AddressField] = 'invalid';
  }
  return errors;
}

function Checkout({ search }: { search: URLSearchParams }): ReactNode {
  const { t } = useTranslation();
  const returnTo = returnToFrom(search);
  const productId = search.get('product');
  const skuId = search.get('sku');
  const quantity = Math.max(1, Math.min(99, Math.floor(Number(search.get('qty')) || 1)));
  const currency = search.get('currency');
  const buyNow = productId && skuId ? { productId, skuId } : null;

  const product = useQuery({ queryKey: shopKeys.product(productId ?? ''), queryFn: () => shop.product(productId ?? ''), enabled: buyNow !== null });
  const cart = useQuery({ queryKey: shopKeys.cart, queryFn: () => shop.cart(), enabled: buyNow === null });

  let lines: SummaryLine[] = [];
  let items: CheckoutInput['items'];
  if (buyNow) {
    const sku = product.data?.skus.find((s) => s.id === buyNow.skuId);
    if (product.data && sku) {
      lines = [{ key: sku.id, title: product.data.title, options: sku.options, image: product.data.images[0] ?? null, unitPriceMinor: sku.priceMinor, currency: sku.currency, quantity }];
      items = [{ skuId: sku.id, quantity }];
    }
  } else if (cart.data) {
    const chosen = cart.data.items.filter((item) => item.sku?.active && (currency === null || item.sku.currency === currency));
    lines = chosen.flatMap((item) =>
      item.sku ? [{ key: item.id, title: item.sku.title, options: item.sku.options, image: item.sku.image, unitPriceMinor: item.sku.priceMinor, currency: item.sku.currency, quantity: item.quantity }] : [],
    );
    // One currency out of several: name the items; otherwise the server takes the whole cart (and empties it).
    if (currency !== null) items = chosen.map((item) => ({ skuId: item.skuId, quantity: item.quantity }));
  }
  // The shops' names as the buyer saw them, for the review (the checkout's answer names only their ids).
  const shopNames = new Map<string, string>();
  if (product.data) shopNames.set(product.data.shopId, product.data.shopName);
  for (const item of cart.data?.items ?? []) if (item.sku) shopNames.set(item.sku.shopId, item.sku.shopName);
  const itemsLoading = buyNow ? product.isPending : cart.isPending;
  const itemsError = buyNow ? product.error : cart.error;

  const [address, setAddress] = useState<Address>(emptyAddress);
  const [errors, setErrors] = useState<AddressErrors>({});
  const [tried, setTried] = useState(false);
  const [namesAtOrder, setNamesAtOrder] = useState<ReadonlyMap<string, string>>(new Map());
  const keys = useIntentKeys();
  const place = useMutation({
    mutationFn: (input: CheckoutInput) => shop.checkout(input, keys.key(JSON.stringify(input))),
    onError: (error) => setErrors((current) => ({ ...current, ...serverFieldErrors(error) })),
  });

  const edit = (next: Address): void => {
    setAddress(next);
    if (tried) setErrors(validateAddress(next));
  };
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setTried(true);
    const found = validateAddress(address);
    setErrors(found);
    if (Object.keys(found).length > 0 || lines.length === 0) return;
    // The cart empties once the orders are made: keep the names it showed.
    setNamesAtOrder(shopNames);
    // Same address and items again (a retry after a failure) → the same Idempotency-Key → never a second order.
    place.mutate({ ...(items ? { items } : {}), address: cleanAddress(address), ...(returnTo ? { returnTo } : {}) });
  };

  if (place.data) return <Review result={place.data} shopNames={namesAtOrder} onEdit={() => place.reset()} />;

  return (
    <div className="page page--narrow shop-page" data-testid="checkout-page">
      <header className="page-top">
        <button type="button" className="icon-button" onClick={() => back(buyNow ? '/' : cartPath(returnTo))} aria-label={t('common.back')}>
          <BackGlyph size={20} />
        </button>
        <h1>{t('shop.checkout.title')}</h1>
      </header>
      <section className="shop-panel">
        <h2 className="section-title">{t('shop.checkout.items')}</h2>
        {itemsLoading ? (
          <div className="skeleton-row" />
        ) : itemsError ? (
          <Problem error={itemsError} testId="checkout-items-error" />
        ) : lines.length === 0 ? (
          <p className="muted">{t('shop.cart.empty')}</p>
        ) : (
          <OrderSummary lines={lines} />
        )}
        <p className="muted shop-note">{t('shop.checkout.shippingNote')}</p>
      </section>
      <form className="form shop-panel" onSubmit={submit} noValidate data-testid="checkout-form">
        <AddressForm value={address} errors={errors} disabled={place.isPending} onChange={edit} />
        {tried && Object.keys(errors).length > 0 && (
          <p className="form__error" role="alert" data-testid="address-invalid">
            {t('shop.address.fix')}
          </p>
        )}
        <Problem error={isApiError(place.error, 'VALIDATION_FAILED') ? null : place.error} testId="checkout-error" />
        <button type="submit" className="btn btn--primary btn--block" disabled={place.isPending || lines.length === 0} data-testid="place-order">
          {place.isPending ? t('common.wait') : t('shop.checkout.review')}
        </button>
      </form>
    </div>
  );
}

/** The orders as the server made them: per shop, its shipping and total; then pay all of them at once. */
function Review({ result, shopNames, onEdit }: { result: CheckoutResult; shopNames: ReadonlyMap<string, string>; onEdit: () => void }): ReactNode {
  const { t } = useTranslation();
  const [leaving, setLeaving] = useState(false);
  const first = result.orders[0];
  const currency = first?.currency ?? '';
  const grand = result.orders.reduce((sum, order) => sum + order.totalMinor, 0);
  return (
    <div className="page page--narrow shop-page" data-testid="checkout-review">
      <header className="page-top">
        <button type="button" className="icon-button" onClick={onEdit} aria-label={t('common.back')}>
          <BackGlyph size={20} />
        </button>
        <h1>{t('shop.checkout.reviewTitle')}</h1>
      </header>
      {result.orders.map((order, i) => (
        <section key={order.id} className="shop-panel" data-testid="review-order">
          <h2 className="section-title" data-testid="review-shop">
            {t('shop.cart.shop', { name: order.shopName || shopNames.get(order.shopId) || t('shop.cart.shopNumber', { n: i + 1 }), currency: order.currency })}
          </h2>
          <OrderSummary
            lines={order.lines.map((line) => ({ key: line.id, title: line.title, options: line.options, image: line.image, unitPriceMinor: line.unitPriceMinor, currency: order.currency, quantity: line.quantity }))}
            totals={{ subtotalMinor: order.subtotalMinor, shippingMinor: order.shippingMinor, totalMinor: order.totalMinor, currency: order.currency }}
          />
        </section>
      ))}
      <p className="muted shop-note">{t('shop.checkout.shipTo', { name: first?.address.name ?? '', city: first?.address.city ?? '' })}</p>
      <p className="muted shop-note">{t('shop.checkout.holdNote')}</p>
      <button
        type="button"
        className="btn btn--primary btn--block"
        disabled={leaving}
        data-testid="pay"
        onClick={() => {
          setLeaving(true);
          window.location.assign(result.redirectUrl);
        }}
      >
        {leaving ? t('paywall.toPayment') : t('shop.checkout.pay', { total: formatMoney(grand, currency) })}
      </button>
    </div>
  );
}
