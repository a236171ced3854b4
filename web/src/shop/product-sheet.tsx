import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode, type SyntheticEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { shop, shopKeys, type ProductDetail, type Sku } from '../api/shop.ts';
import type { PlaybackPlacement } from '../api/types.ts';
import { navigate } from '../lib/router.tsx';
import { formatMoney } from '../paywall/money.ts';
import { Problem } from '../paywall/problem.tsx';
import { flushCardEvents } from './beacons.ts';
import { CloseGlyph } from './glyphs.tsx';
import { cartPath, checkoutPath, signInPath, watchPath } from './links.ts';
import { setSheetPlayback, sheetPlayback, type SheetPlayback } from './preferences.ts';
import { ProductImages, QuantityStepper, StockLine } from './product-parts.tsx';
import { VariantPicker } from './variant-picker.tsx';
import { initialSelection, selectedSku, type Selection } from './variants.ts';

interface ProductSheetProps {
  placement: PlaybackPlacement;
  episodeId: string;
  /** The second of the episode now: where checkout and sign-in come back to. */
  currentMs: () => number;
  onClose: () => void;
  onModeChange: (mode: SheetPlayback) => void;
  label: string;
}

// The pager swipes between episodes on touch; inside the sheet a touch is for the sheet.
const keep = (event: SyntheticEvent): void => event.stopPropagation();

/** The product over the video: pictures, price, variants, stock, quantity, add to cart or buy now. */
export function ProductSheet({ placement, episodeId, currentMs, onClose, onModeChange, label }: ProductSheetProps): ReactNode {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: shopKeys.product(placement.productId), queryFn: ({ signal }) => shop.product(placement.productId, signal), staleTime: 15_000 });
  const [mode, setMode] = useState<SheetPlayback>(sheetPlayback);

  const toggleMode = (muted: boolean): void => {
    const next: SheetPlayback = muted ? 'muted' : 'pause';
    setMode(next);
    setSheetPlayback(next);
    onModeChange(next);
  };

  return (
    <div className="shop-sheet" data-testid="product-sheet" onTouchStart={keep} onTouchMove={keep} onTouchEnd={keep} onWheel={keep}>
      <button type="button" className="shop-sheet__backdrop" onClick={onClose} aria-label={t('shop.sheet.close')} tabIndex={-1} />
      <section className="shop-sheet__panel" role="dialog" aria-modal="true" aria-label={placement.product.title}>
        <button type="button" className="shop-sheet__close icon-button icon-button--flat" onClick={onClose} aria-label={t('shop.sheet.close')} data-testid="product-sheet-close">
          <CloseGlyph size={20} />
        </button>
        {query.data ? (
          <ProductBody key={query.data.id} product={query.data} label={label} episodeId={episodeId} currentMs={currentMs} />
        ) : query.isError ? (
          <div className="shop-sheet__state">
            <Problem error={query.error} testId="product-error" />
            <button type="button" className="btn btn--ghost" onClick={() => void query.refetch()}>
              {t('common.retry')}
            </button>
          </div>
        ) : (
          <div className="shop-sheet__state">
            <span className="spinner" aria-label={t('common.loading')} />
          </div>
        )}
        <label className="switch shop-sheet__mode">
          <input type="checkbox" checked={mode === 'muted'} onChange={(e) => toggleMode(e.target.checked)} data-testid="sheet-keep-playing" />
          <span>{t('shop.sheet.keepPlaying')}</span>
        </label>
      </section>
    </div>
  );
}

function ProductBody({ product, label, episodeId, currentMs }: { product: ProductDetail; label: string; episodeId: string; currentMs: () => number }): ReactNode {
  const { t } = useTranslation();
  const { session } = useSession();
  const client = useQueryClient();
  const [selection, setSelection] = useState<Selection>(() => initialSelection(product.skus));
  const [quantity, setQuantity] = useState(1);
  const sku: Sku | null = selectedSku(product.skus, selection);
  const max = sku ? Math.min(99, sku.stock.available) : 1;
  const qty = Math.max(1, Math.min(quantity, max));
  const buyable = product.status === 'active' && sku !== null && sku.stock.state !== 'sold_out' && sku.stock.available > 0;

  const add = useMutation({
    mutationFn: (target: Sku) => shop.addToCart(target.id, qty),
    onSuccess: (cart) => client.setQueryData(shopKeys.cart, cart),
  });

  /** Leaving the episode: note the second in its address first, so "back" also lands there. */
  const leave = (to: string): void => {
    const returnTo = { episodeId, atMs: currentMs() };
    navigate(watchPath(returnTo), { replace: true });
    navigate(to);
  };
  const here = () => ({ episodeId, atMs: currentMs() });

  const onAdd = (): void => {
    if (!sku) return;
    if (!session.user) return leave(signInPath(watchPath(here())));
    add.mutate(sku);
  };
  const onBuy = (): void => {
    if (!sku) return;
    const target = checkoutPath({ productId: product.id, skuId: sku.id, quantity: qty }, here());
    if (!session.user) return leave(signInPath(target));
    // The click that brought the viewer here is what attributes the sale: let it reach the server first.
    void flushCardEvents().finally(() => leave(target));
  };

  const price = sku ? formatMoney(sku.priceMinor, sku.currency) : product.fromPriceMinor !== null && product.currency ? t('shop.card.from', { price: formatMoney(product.fromPriceMinor, product.currency) }) : '';

  return (
    <div className="shop-sheet__body">
      <ProductImages images={product.images} title={product.title} />
      <div className="shop-sheet__head">
        <span className="shop-card__label">{label}</span>
        <h2 className="shop-sheet__title">{product.title}</h2>
        {product.brand && <p className="muted shop-sheet__brand">{product.brand}</p>}
        <p className="muted shop-sheet__brand" data-testid="sheet-shop">
          {t('shop.soldBy', { shop: product.shopName })}
        </p>
        <p className="shop-sheet__price" data-testid="sheet-price">
          {price}
        </p>
        <StockLine stock={sku?.stock ?? product.stock} />
      </div>
      <VariantPicker skus={product.skus} selection={selection} onChange={setSelection} />
      <QuantityStepper value={qty} max={max} disabled={!buyable} onChange={setQuantity} />
      <Problem error={add.error} testId="cart-error" />
      {add.isSuccess && !add.isPending && (
        <p className="shop-sheet__added" role="status" data-testid="added-to-cart">
          {t('shop.sheet.added')}{' '}
          <button type="button" className="link-button" onClick={() => leave(cartPath(here()))} data-testid="view-cart">
            {t('shop.sheet.viewCart')}
          </button>
        </p>
      )}
      <div className="shop-sheet__actions">
        <button type="button" className="btn btn--ghost btn--grow" onClick={onAdd} disabled={!buyable || add.isPending} data-testid="add-to-cart">
          {t('shop.sheet.addToCart')}
        </button>
        <button type="button" className="btn btn--primary btn--grow" onClick={onBuy} disabled={!buyable} data-testid="buy-now">
          {t('shop.sheet.buyNow')}
        </button>
      </div>
    </div>
  );
}
