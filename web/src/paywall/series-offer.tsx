import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall, paywallKeys, type SeriesAccess } from '../api/paywall.ts';
import { Link } from '../lib/router.tsx';
import { CoinGlyph } from '../ui/icons.tsx';
import { Problem } from './problem.tsx';
import { useSeriesUnlock } from './use-paywall-actions.ts';

/** What the viewer may watch in a series, decided by the server for this viewer (free / owned / VIP / locked). */
export function useSeriesAccess(seriesId: string) {
  return useQuery({ queryKey: paywallKeys.access(seriesId), queryFn: () => paywall.seriesAccess(seriesId), staleTime: 10_000 });
}

/** The series page's offer: what finishing the series costs, and the bundle when the producer sells one. */
export function SeriesOffer({ access, signedIn }: { access: SeriesAccess; signedIn: boolean }): ReactNode {
  const { t } = useTranslation();
  const unlock = useSeriesUnlock(access.seriesId);
  if (access.ownsSeries || (access.lockedCount === 0 && !access.bundle)) return null;
  const balance = access.balance?.total ?? 0;
  const bundle = access.bundle;
  const saving = bundle ? access.costToFinishCoins - bundle.priceCoins : 0;
  const action = (offer: 'rest' | 'bundle', coins: number): ReactNode => {
    if (!signedIn) {
      return (
        <Link className="btn btn--small btn--primary" to={`/signin?next=${encodeURIComponent(window.location.pathname)}`}>
          {t('auth.signIn')}
        </Link>
      );
    }
    if (coins > balance) {
      return (
        <Link className="btn btn--small btn--gold" to="/wallet" data-testid={`series-${offer}-top-up`}>
          {t('paywall.topUpShort', { count: coins - balance })}
        </Link>
      );
    }
    return (
      <button
        type="button"
        className="btn btn--small btn--primary"
        disabled={unlock.isPending}
        onClick={() => unlock.mutate({ offer, expectedCoins: coins })}
        data-testid={`series-unlock-${offer}`}
      >
        {t('paywall.unlockFor', { count: coins })}
      </button>
    );
  };
  return (
    <section className="series-offer" data-testid="series-offer">
      {access.lockedCount > 0 && (
        <div className="series-offer__row" data-testid="series-cost-to-finish">
          <span className="series-offer__text">
            <strong>{t('paywall.costToFinish')}</strong>
            <span className="muted">{t('paywall.restDetail', { count: access.lockedCount, coins: access.costToFinishCoins })}</span>
          </span>
          {action('rest', access.costToFinishCoins)}
        </div>
      )}
      {bundle && (
        <div className="series-offer__row" data-testid="series-bundle">
          <span className="series-offer__text">
            <strong>{t('paywall.bundleTitle')}</strong>
            <span className="muted">
              {t('paywall.bundleDetail', { coins: bundle.priceCoins })}
              {saving > 0 && <b className="offer__saving"> · {t('paywall.saving', { count: saving })}</b>}
            </span>
          </span>
          {action('bundle', bundle.priceCoins)}
        </div>
      )}
      {access.balance && (
        <p className="series-offer__balance muted">
          <CoinGlyph size={14} /> {t('paywall.balanceIs', { count: access.balance.total })}
          {access.vip.inVip && !access.vip.active && (
            <>
              {' · '}
              <Link to="/vip">{t('paywall.vipIncluded')}</Link>
            </>
          )}
        </p>
      )}
      <Problem error={unlock.error} />
    </section>
  );
}
