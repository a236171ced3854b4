import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProductStatus } from '../api/commerce-types.ts';
import { merchantApi, type MerchantProduct, type SkuInput } from '../api/merchant.ts';
import { ProblemLine } from './guard.tsx';
import { CURRENCIES, majorToMinor, minorToMajor } from './money.ts';

interface SkuDraft {
  key: string;
  /** Set for a SKU that exists already. */
  id: string | null;
  colour: string;
  size: string;
  price: string;
  stock: string;
  /** What the server has, to send only what changed. */
  original: { colour: string; size: string; priceMinor: number } | null;
}

let draftSeq = 0;
const blankSku = (): SkuDraft => ({ key: `new-${(draftSeq += 1)}`, id: null, colour: '', size: '', price: '', stock: '0', original: null });

function optionsOf(draft: SkuDraft): Record<string, string> {
  const options: Record<string, string> = {};
  if (draft.colour.trim()) options.colour = draft.colour.trim();
  if (draft.size.trim()) options.size = draft.size.trim();
  return options;
}

function draftsOf(product: MerchantProduct): SkuDraft[] {
  return product.skus.map((sku) => {
    const colour = sku.options.colour ?? sku.options.color ?? '';
    const size = sku.options.size ?? '';
    return { key: sku.id, id: sku.id, colour, size, price: minorToMajor(sku.priceMinor, sku.currency), stock: String(sku.stock.available), original: { colour, size, priceMinor: sku.priceMinor } };
  });
}

/** Create a product with its SKUs, or edit one (fields, SKU prices and options, new SKUs). */
export function ProductForm({ product, onDone, onCancel }: { product: MerchantProduct | null; onDone: () => void; onCancel: () => void }): ReactNode {
  const { t } = useTranslation();
  const [title, setTitle] = useState(product?.title ?? '');
  const [description, setDescription] = useState(product?.description ?? '');
  const [brand, setBrand] = useState(product?.brand ?? '');
  const [category, setCategory] = useState(product?.category ?? '');
  const [images, setImages] = useState((product?.images ?? []).join('\n'));
  const [status, setStatus] = useState<ProductStatus>(product?.status ?? 'active');
  const [currency, setCurrency] = useState(product?.currency ?? product?.skus[0]?.currency ?? 'CNY');
  const [skus, setSkus] = useState<SkuDraft[]>(() => (product ? draftsOf(product) : [blankSku()]));
  const [invalid, setInvalid] = useState<Record<string, string>>({});

  const setSku = (key: string, patch: Partial<SkuDraft>): void => setSkus((all) => all.map((sku) => (sku.key === key ? { ...sku, ...patch } : sku)));

  const save = useMutation({
    mutationFn: async (priced: { draft: SkuDraft; minor: number }[]) => {
      const imageList = images.split(/\s+/).filter(Boolean);
      const fields = { title: title.trim(), description: description.trim(), brand: brand.trim() || null, category: category.trim() || null, images: imageList, status };
      if (!product) {
        const skuInputs: SkuInput[] = priced.map(({ draft, minor }) => ({ options: optionsOf(draft), priceMinor: minor, currency, stock: Math.max(0, Math.trunc(Number(draft.stock) || 0)) }));
        await merchantApi.createProduct({ ...fields, skus: skuInputs });
        return;
      }
      await merchantApi.updateProduct(product.id, fields);
      for (const { draft, minor } of priced) {
        if (!draft.id) {
          await merchantApi.addSku(product.id, { options: optionsOf(draft), priceMinor: minor, currency, stock: Math.max(0, Math.trunc(Number(draft.stock) || 0)) });
          continue;
        }
        const original = draft.original;
        const optionsChanged = !original || original.colour !== draft.colour.trim() || original.size !== draft.size.trim();
        const priceChanged = !original || original.priceMinor !== minor;
        if (optionsChanged || priceChanged) {
          await merchantApi.updateSku(draft.id, { ...(priceChanged ? { priceMinor: minor } : {}), ...(optionsChanged ? { options: optionsOf(draft) } : {}) });
        }
      }
    },
    onSuccess: onDone,
  });

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const priced: { draft: SkuDraft; minor: number }[] = [];
    for (const draft of skus) {
      const parsed = majorToMinor(draft.price, currency);
      if (parsed.ok) priced.push({ draft, minor: parsed.minor });
      else problems[draft.key] = t(`merchant.priceProblem.${parsed.reason}`, { currency });
    }
    setInvalid(problems);
    if (Object.keys(problems).length === 0 && title.trim()) save.mutate(priced);
  };

  return (
    <form className="panel merchant-form" onSubmit={submit} data-testid="product-form">
      <h2 className="section-title">{product ? t('merchant.editProduct') : t('merchant.newProduct')}</h2>
      <div className="merchant-form__grid">
        <label className="field">
          <span>{t('merchant.productTitle')}</span>
          <input name="productTitle" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('merchant.brand')}</span>
          <input name="brand" maxLength={100} value={brand} onChange={(e) => setBrand(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('merchant.category')}</span>
          <input name="category" maxLength={100} value={category} onChange={(e) => setCategory(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('merchant.currency')}</span>
          <select name="currency" value={currency} onChange={(e) => setCurrency(e.target.value)} disabled={product !== null && product.skus.length > 0}>
            {[...new Set([currency, ...CURRENCIES])].map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </label>
        <label className="field merchant-form__wide">
          <span>{t('merchant.description')}</span>
          <textarea name="description" rows={2} maxLength={10_000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label className="field merchant-form__wide">
          <span>{t('merchant.images')}</span>
          <textarea name="images" rows={2} placeholder="https://…" value={images} onChange={(e) => setImages(e.target.value)} />
        </label>
        {product && (
          <label className="field">
            <span>{t('merchant.status')}</span>
            <select value={status} onChange={(e) => setStatus(e.target.value === 'archived' ? 'archived' : 'active')}>
              <option value="active">{t('merchant.productStatus.active')}</option>
              <option value="archived">{t('merchant.productStatus.archived')}</option>
            </select>
          </label>
        )}
      </div>
      <h3 className="merchant-form__sub">{t('merchant.variants')}</h3>
      <div className="sku-editor" role="table">
        <div className="sku-editor__row sku-editor__head" role="row">
          <span role="columnheader">{t('merchant.colour')}</span>
          <span role="columnheader">{t('merchant.size')}</span>
          <span role="columnheader">{t('merchant.priceIn', { currency })}</span>
          <span role="columnheader">{product ? t('merchant.available') : t('merchant.initialStock')}</span>
          <span role="columnheader" />
        </div>
        {skus.map((draft, i) => (
          <div className="sku-editor__row" role="row" key={draft.key} data-testid="sku-draft">
            <input aria-label={`${t('merchant.colour')} ${i + 1}`} value={draft.colour} maxLength={64} onChange={(e) => setSku(draft.key, { colour: e.target.value })} />
            <input aria-label={`${t('merchant.size')} ${i + 1}`} value={draft.size} maxLength={64} onChange={(e) => setSku(draft.key, { size: e.target.value })} />
            <span className="sku-editor__price">
              <input
                aria-label={`${t('merchant.price')} ${i + 1}`}
                inputMode="decimal"
                placeholder="0.00"
                value={draft.price}
                aria-invalid={invalid[draft.key] ? true : undefined}
                onChange={(e) => setSku(draft.key, { price: e.target.value })}
              />
              {invalid[draft.key] && <span className="field__hint field__hint--bad">{invalid[draft.key]}</span>}
            </span>
            {draft.id ? (
              <span className="muted">{draft.stock}</span>
            ) : (
              <input aria-label={`${t('merchant.initialStock')} ${i + 1}`} type="number" min={0} step={1} value={draft.stock} onChange={(e) => setSku(draft.key, { stock: e.target.value })} />
            )}
            {!draft.id && skus.length > 1 ? (
              <button type="button" className="link-button link-button--muted" onClick={() => setSkus((all) => all.filter((s) => s.key !== draft.key))}>
                {t('merchant.removeVariant')}
              </button>
            ) : (
              <span />
            )}
          </div>
        ))}
      </div>
      <button type="button" className="link-button" onClick={() => setSkus((all) => [...all, blankSku()])}>
        + {t('merchant.addVariant')}
      </button>
      <ProblemLine error={save.error} fallback={t('common.failed')} />
      <div className="merchant-form__actions">
        <button type="submit" className="btn btn--primary" disabled={save.isPending || !title.trim()}>
          {product ? t('merchant.saveProduct') : t('merchant.createProduct')}
        </button>
        <button type="button" className="btn btn--ghost" onClick={onCancel}>
          {t('merchant.cancel')}
        </button>
      </div>
    </form>
  );
}
