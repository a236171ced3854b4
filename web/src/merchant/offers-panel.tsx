import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { merchantApi, merchantKeys, type Offer } from '../api/merchant.ts';
import { ProblemLine } from './guard.tsx';
import { bpsToPercent, formatDate, formatMinor, percentToBps } from './money.ts';
import { useMerchantProducts } from './products-panel.tsx';

export function OffersPanel(): ReactNode {
  const { t } = useTranslation();
  const offers = useQuery({ queryKey: merchantKeys.offers, queryFn: () => merchantApi.offers() });
  const items = offers.data?.items ?? [];
  return (
    <section data-testid="offers-panel">
      <OfferForm />
      <h2 className="section-title">{t('merchant.yourOffers')}</h2>
      {offers.isPending ? (
        <div className="spinner" />
      ) : offers.isError ? (
        <ProblemLine error={offers.error} fallback={t('common.failed')} />
      ) : items.length === 0 ? (
        <p className="muted">{t('merchant.noOffers')}</p>
      ) : (
        <table className="merchant-grid-table">
          <thead>
            <tr>
              <th>{t('merchant.product')}</th>
              <th>{t('merchant.commission')}</th>
              <th>{t('merchant.audience')}</th>
              <th>{t('merchant.acceptances')}</th>
              <th>{t('merchant.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((offer) => (
              <OfferRow key={offer.id} offer={offer} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OfferRow({ offer }: { offer: Offer }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const withdraw = useMutation({ mutationFn: () => merchantApi.withdrawOffer(offer.id), onSuccess: () => void client.invalidateQueries({ queryKey: merchantKeys.offers }) });
  return (
    <tr data-testid="merchant-offer" data-offer-id={offer.id}>
      <td>
        <strong>{offer.product?.title ?? offer.productId}</strong>
        {offer.product && <span className="muted"> · {formatMinor(offer.product.fromPriceMinor, offer.product.currency)}</span>}
        <div className="muted merchant-small">{formatDate(offer.createdAt)}</div>
      </td>
      <td>{bpsToPercent(offer.commissionBps)} %</td>
      <td>{offer.audience === 'all' ? t('merchant.allStudios') : offer.studioIds.join(', ')}</td>
      <td data-testid="offer-acceptances">{offer.acceptances}</td>
      <td>
        <span className={`status status--${offer.status === 'active' ? 'published' : 'draft'}`}>{t(`merchant.offerStatus.${offer.status}`)}</span>
      </td>
      <td>
        {offer.status === 'active' && (
          <button type="button" className="btn btn--ghost btn--small" disabled={withdraw.isPending} onClick={() => withdraw.mutate()}>
            {t('merchant.withdraw')}
          </button>
        )}
        {withdraw.isError && <ProblemLine error={withdraw.error} fallback={t('common.failed')} />}
      </td>
    </tr>
  );
}

function OfferForm(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const products = useMerchantProducts();
  const active = (products.data?.pages.flatMap((page) => page.items) ?? []).filter((p) => p.status === 'active');
  const [productId, setProductId] = useState('');
  const [percent, setPercent] = useState('10');
  const [audience, setAudience] = useState<'all' | 'studios'>('all');
  const [studios, setStudios] = useState('');
  const bps = percentToBps(percent);
  const chosen = productId || active[0]?.id || '';
  const create = useMutation({
    mutationFn: () =>
      merchantApi.createOffer({
        productId: chosen,
        commissionBps: bps ?? 0,
        audience,
        ...(audience === 'studios' ? { studioIds: studios.split(/[\s,]+/).filter(Boolean) } : {}),
      }),
    onSuccess: () => void client.invalidateQueries({ queryKey: merchantKeys.offers }),
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (chosen && bps !== null) create.mutate();
  };
  return (
    <form className="panel merchant-form" onSubmit={submit} data-testid="offer-form">
      <h2 className="section-title">{t('merchant.newOffer')}</h2>
      <p className="muted">{t('merchant.offerHint')}</p>
      <div className="merchant-form__grid">
        <label className="field merchant-form__wide">
          <span>{t('merchant.product')}</span>
          <select name="offerProduct" value={chosen} onChange={(e) => setProductId(e.target.value)}>
            {active.map((product) => (
              <option key={product.id} value={product.id}>
                {product.title}
                {product.fromPriceMinor !== null && product.currency ? ` · ${formatMinor(product.fromPriceMinor, product.currency)}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('merchant.commissionPercent')}</span>
          <input name="commission" inputMode="decimal" value={percent} aria-invalid={bps === null ? true : undefined} onChange={(e) => setPercent(e.target.value)} />
          {bps === null ? <span className="field__hint field__hint--bad">{t('merchant.commissionProblem')}</span> : <span className="field__hint">{t('merchant.bps', { count: bps })}</span>}
        </label>
        <fieldset className="merchant-radios">
          <legend>{t('merchant.audience')}</legend>
          <label className="field--check">
            <input type="radio" name="audience" checked={audience === 'all'} onChange={() => setAudience('all')} />
            <span>{t('merchant.allStudios')}</span>
          </label>
          <label className="field--check">
            <input type="radio" name="audience" checked={audience === 'studios'} onChange={() => setAudience('studios')} />
            <span>{t('merchant.namedStudios')}</span>
          </label>
        </fieldset>
        {audience === 'studios' && (
          <label className="field merchant-form__wide">
            <span>{t('merchant.studioIds')}</span>
            <input name="studioIds" placeholder="org_…, org_…" value={studios} onChange={(e) => setStudios(e.target.value)} />
          </label>
        )}
      </div>
      <ProblemLine error={create.error} fallback={t('common.failed')} />
      <button type="submit" className="btn btn--primary" disabled={!chosen || bps === null || create.isPending}>
        {t('merchant.createOffer')}
      </button>
    </form>
  );
}
