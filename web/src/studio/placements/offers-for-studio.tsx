import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { merchantApi, merchantKeys, type Offer } from '../../api/merchant.ts';
import { ProblemLine } from '../../merchant/guard.tsx';
import { bpsToPercent, formatMinor } from '../../merchant/money.ts';

export function useStudioOffers() {
  return useQuery({ queryKey: merchantKeys.offers, queryFn: () => merchantApi.offers() });
}

/** Offers open to the producer's studio; accepting one makes its product placeable. */
export function OffersForStudio(): ReactNode {
  const { t } = useTranslation();
  const offers = useStudioOffers();
  const items = (offers.data?.items ?? []).filter((offer) => offer.product !== null);
  return (
    <section className="panel" data-testid="studio-offers">
      <h2 className="section-title">{t('placements.offers')}</h2>
      {offers.isPending ? (
        <div className="spinner" />
      ) : offers.isError ? (
        <ProblemLine error={offers.error} fallback={t('common.failed')} />
      ) : items.length === 0 ? (
        <p className="muted">{t('placements.noOffers')}</p>
      ) : (
        <ul className="offer-list">
          {items.map((offer) => (
            <OfferItem key={offer.id} offer={offer} />
          ))}
        </ul>
      )}
    </section>
  );
}

function OfferItem({ offer }: { offer: Offer }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const accept = useMutation({ mutationFn: () => merchantApi.acceptOffer(offer.id), onSuccess: () => void client.invalidateQueries({ queryKey: merchantKeys.offers }) });
  const product = offer.product;
  if (!product) return null;
  return (
    <li className="offer-list__item" data-testid="studio-offer" data-offer-id={offer.id}>
      {product.image ? <img className="product-thumb" src={product.image} alt="" loading="lazy" /> : <span className="product-thumb product-thumb--empty" />}
      <span className="offer-list__body">
        <strong>{product.title}</strong>
        <span className="muted merchant-small">
          {formatMinor(product.fromPriceMinor, product.currency)} · {t('placements.commission', { percent: bpsToPercent(offer.commissionBps) })}
        </span>
      </span>
      {offer.acceptedByMe ? (
        <span className="status status--published">{t('placements.accepted')}</span>
      ) : (
        <button type="button" className="btn btn--small btn--secondary" disabled={accept.isPending} onClick={() => accept.mutate()}>
          {t('placements.accept')}
        </button>
      )}
      {accept.isError && <ProblemLine error={accept.error} fallback={t('common.failed')} />}
    </li>
  );
}
