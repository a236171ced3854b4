import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { merchantApi, merchantKeys, type MerchantProduct, type MerchantSku } from '../api/merchant.ts';
import { ProblemLine } from './guard.tsx';
import { randomUuid } from '../lib/uuid.ts';
import { formatMinor } from './money.ts';
import { ProductForm } from './product-form.tsx';

export function useMerchantProducts() {
  return useInfiniteQuery({
    queryKey: merchantKeys.products,
    queryFn: ({ pageParam }) => merchantApi.products(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function ProductsPanel(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const products = useMerchantProducts();
  const [editing, setEditing] = useState<MerchantProduct | 'new' | null>(null);
  const refresh = (): void => void client.invalidateQueries({ queryKey: merchantKeys.products });
  const items = products.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section data-testid="products-panel">
      <div className="merchant-toolbar">
        <h2 className="section-title">{t('merchant.tabs.products')}</h2>
        {editing === null && (
          <button type="button" className="btn btn--primary btn--small" onClick={() => setEditing('new')}>
            + {t('merchant.newProduct')}
          </button>
        )}
      </div>
      {editing !== null && (
        <ProductForm
          key={editing === 'new' ? 'new' : editing.id}
          product={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
      {products.isPending ? (
        <div className="spinner" />
      ) : products.isError ? (
        <ProblemLine error={products.error} fallback={t('common.failed')} />
      ) : items.length === 0 ? (
        <p className="muted">{t('merchant.noProducts')}</p>
      ) : (
        <div className="product-table" role="table">
          <div className="product-table__row product-table__head" role="row">
            <span role="columnheader" />
            <span role="columnheader">{t('merchant.productTitle')}</span>
            <span role="columnheader">{t('merchant.status')}</span>
            <span role="columnheader">{t('merchant.variantsStock')}</span>
            <span role="columnheader" />
          </div>
          {items.map((product) => (
            <ProductRow key={product.id} product={product} onEdit={() => setEditing(product)} onChanged={refresh} />
          ))}
        </div>
      )}
      {products.hasNextPage && (
        <button type="button" className="btn btn--ghost btn--small merchant-more" disabled={products.isFetchingNextPage} onClick={() => void products.fetchNextPage()}>
          {t('merchant.more')}
        </button>
      )}
    </section>
  );
}

function ProductRow({ product, onEdit, onChanged }: { product: MerchantProduct; onEdit: () => void; onChanged: () => void }): ReactNode {
  const { t } = useTranslation();
  const image = product.images[0];
  return (
    <div className="product-table__row" role="row" data-testid="merchant-product" data-product-id={product.id}>
      <span role="cell">{image ? <img className="product-thumb" src={image} alt="" loading="lazy" /> : <span className="product-thumb product-thumb--empty" />}</span>
      <span role="cell" className="product-table__title">
        <strong>{product.title}</strong>
        <span className="muted">
          {[product.brand, product.category, product.source ? t('merchant.importedFrom', { source: product.source, ref: product.sourceRef ?? '' }) : null].filter(Boolean).join(' · ')}
        </span>
      </span>
      <span role="cell">
        <span className={`status status--${product.status === 'active' ? 'published' : 'draft'}`}>{t(`merchant.productStatus.${product.status}`)}</span>
      </span>
      <span role="cell" className="sku-list">
        {product.skus.map((sku) => (
          <SkuStock key={sku.id} sku={sku} onChanged={onChanged} />
        ))}
      </span>
      <span role="cell">
        <button type="button" className="btn btn--ghost btn--small" onClick={onEdit}>
          {t('merchant.edit')}
        </button>
      </span>
    </div>
  );
}

function optionLabel(options: Record<string, string>, fallback: string): string {
  const values = Object.values(options);
  return values.length > 0 ? values.join(' / ') : fallback;
}

/** One SKU: price, stock counters and a stock adjustment (a delta, sent with an Idempotency-Key). */
function SkuStock({ sku, onChanged }: { sku: MerchantSku; onChanged: () => void }): ReactNode {
  const { t } = useTranslation();
  const [delta, setDelta] = useState('');
  const key = useRef<string | null>(null);
  const adjust = useMutation({
    mutationFn: (amount: number) => {
      key.current ??= randomUuid();
      return merchantApi.updateSku(sku.id, { stockAdjust: amount }, key.current);
    },
    onSuccess: () => {
      key.current = null;
      setDelta('');
      onChanged();
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const amount = Math.trunc(Number(delta));
    if (Number.isFinite(amount) && amount !== 0) adjust.mutate(amount);
  };
  return (
    <form className="sku-stock" onSubmit={submit} data-testid="sku-stock" data-sku-id={sku.id}>
      <span className="sku-stock__name">{optionLabel(sku.options, t('merchant.defaultVariant'))}</span>
      <span className="sku-stock__price">{formatMinor(sku.priceMinor, sku.currency)}</span>
      <span className={`stock-badge stock-badge--${sku.stock.state}`} data-testid="sku-available">
        {t(`merchant.stockState.${sku.stock.state}`, { count: sku.stock.available })}
      </span>
      <span className="muted sku-stock__counts">
        {t('merchant.reservedSold', { reserved: sku.stockReserved ?? 0, sold: sku.stockSold ?? 0 })}
      </span>
      <input
        className="sku-stock__delta"
        aria-label={t('merchant.adjustStock')}
        placeholder="±"
        inputMode="numeric"
        value={delta}
        onChange={(e) => {
          key.current = null;
          setDelta(e.target.value.replace(/[^\d-]/g, ''));
        }}
      />
      <button type="submit" className="link-button" disabled={adjust.isPending || !delta || delta === '-'}>
        {t('merchant.apply')}
      </button>
      {adjust.isError && <ProblemLine error={adjust.error} fallback={t('common.failed')} />}
    </form>
  );
}
