import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { UnlockOptions } from '../api/paywall.ts';
import type { Episode, Series } from '../api/types.ts';
import { Link, useLocation } from '../lib/router.tsx';
import { BackGlyph, CoinGlyph, LockGlyph } from '../ui/icons.tsx';
import { AdUnlock } from './ad-break.tsx';
import { PackPicker } from './pack-picker.tsx';
import { Problem } from './problem.tsx';
import { useEpisodeUnlock, useSeriesUnlock } from './use-paywall-actions.ts';

interface UnlockSheetProps {
  series: Series;
  episode: Episode;
  /** This episode's price; the whole offer when the server sent one. */
  priceCoins: number;
  unlock: UnlockOptions | null;
}

/**
 * What a locked episode shows in the player: every way in, with the numbers the server computed for
 * this viewer. Unlocking changes nothing here directly: the player asks for playback again and plays.
 */
export function UnlockSheet({ series, episode, priceCoins, unlock }: UnlockSheetProps): ReactNode {
  const { t } = useTranslation();
  const [view, setView] = useState<'offers' | 'packs'>('offers');
  const [shortfall, setShortfall] = useState(0);
  const openPacks = (short: number): void => {
    setShortfall(short);
    setView('packs');
  };
  return (
    <div className="unlock" data-testid="locked-panel" data-episode-id={episode.id}>
      {series.coverUrl && <div className="unlock__backdrop" style={{ backgroundImage: `url("${series.coverUrl}")` }} />}
      <div className="unlock__hero">
        <span className="unlock__icon">
          <LockGlyph size={24} />
        </span>
        <h2 id={`locked-${episode.id}`}>{t('locked.title', { n: episode.number })}</h2>
        <p className="unlock__price">
          <CoinGlyph size={18} />
          <span>{t('locked.price', { count: priceCoins })}</span>
        </p>
      </div>
      <section className="sheet" role="dialog" aria-labelledby={`locked-${episode.id}`} data-testid="unlock-sheet">
        {unlock === null ? (
          <NoOffer series={series} />
        ) : unlock.balance === null ? (
          <SignInOffer unlock={unlock} />
        ) : view === 'packs' ? (
          <>
            <header className="sheet__head">
              <button type="button" className="icon-button icon-button--flat" onClick={() => setView('offers')} aria-label={t('common.back')}>
                <BackGlyph size={20} />
              </button>
              <h3>{t('paywall.topUpTitle')}</h3>
              <Balance coins={unlock.balance.total} />
            </header>
            <PackPicker packs={unlock.packs} shortfall={shortfall} />
          </>
        ) : (
          <Offers series={series} unlock={unlock} balance={unlock.balance.total} onTopUp={openPacks} />
        )}
      </section>
    </div>
  );
}

function Balance({ coins }: { coins: number }): ReactNode {
  const { t } = useTranslation();
  return (
    <span className="balance-chip" data-testid="sheet-balance" title={t('paywall.balance')}>
      <CoinGlyph size={14} />
      {coins}
    </span>
  );
}

function Offers({ series, unlock, balance, onTopUp }: { series: Series; unlock: UnlockOptions; balance: number; onTopUp: (short: number) => void }): ReactNode {
  const { t } = useTranslation();
  const { pathname, search } = useLocation();
  const episodeUnlock = useEpisodeUnlock(unlock.episodeId);
  const seriesUnlock = useSeriesUnlock(unlock.seriesId);
  const busy = episodeUnlock.isPending || seriesUnlock.isPending;
  const here = `${pathname}${search.size > 0 ? `?${search.toString()}` : ''}`;
  const rest = unlock.lockedToFinish > 1 ? unlock.costToFinishCoins : null;
  const bundle = unlock.bundle;
  const saving = bundle ? unlock.costToFinishCoins - bundle.priceCoins : 0;

  const buy = (coins: number, label: string, onBuy: () => void, testId: string): ReactNode =>
    coins <= balance ? (
      <button type="button" className="btn btn--primary offer__action" onClick={onBuy} disabled={busy} data-testid={testId}>
        {label}
      </button>
    ) : (
      <button type="button" className="btn btn--gold offer__action" onClick={() => onTopUp(coins - balance)} data-testid={`${testId}-top-up`}>
        {t('paywall.topUpShort', { count: coins - balance })}
      </button>
    );

  return (
    <>
      <header className="sheet__head">
        <h3>{t('paywall.unlockTitle', { n: unlock.episodeNumber })}</h3>
        <Balance coins={balance} />
      </header>
      <div className="offer offer--main">
        <div className="offer__text">
          <strong>{t('paywall.thisEpisode')}</strong>
          <span className="offer__coins">{t('episode.coins', { count: unlock.priceCoins })}</span>
        </div>
        {buy(unlock.priceCoins, t('paywall.unlockFor', { count: unlock.priceCoins }), () => episodeUnlock.mutate(), 'unlock-episode')}
      </div>
      {rest !== null && (
        <div className="offer" data-testid="offer-rest">
          <div className="offer__text">
            <strong>{t('paywall.restTitle')}</strong>
            <span className="muted">{t('paywall.restDetail', { count: unlock.lockedToFinish, coins: rest })}</span>
          </div>
          {buy(rest, t('paywall.unlockFor', { count: rest }), () => seriesUnlock.mutate({ offer: 'rest', expectedCoins: rest, fromEpisodeNumber: unlock.episodeNumber }), 'unlock-rest')}
        </div>
      )}
      {bundle && (
        <div className="offer" data-testid="offer-bundle">
          <div className="offer__text">
            <strong>{t('paywall.bundleTitle')}</strong>
            <span className="muted">
              {t('paywall.bundleDetail', { coins: bundle.priceCoins })}
              {saving > 0 && <b className="offer__saving"> · {t('paywall.saving', { count: saving })}</b>}
            </span>
          </div>
          {buy(bundle.priceCoins, t('paywall.unlockFor', { count: bundle.priceCoins }), () => seriesUnlock.mutate({ offer: 'bundle', expectedCoins: bundle.priceCoins }), 'unlock-bundle')}
        </div>
      )}
      <Problem error={episodeUnlock.error ?? seriesUnlock.error} />
      <div className="sheet__more">
        {unlock.ad.allowed && <AdUnlock episodeId={unlock.episodeId} remainingToday={unlock.ad.remainingToday} />}
        {unlock.vip.inVip && !unlock.vip.active && (
          <Link className="btn btn--vip btn--block" to={`/vip?next=${encodeURIComponent(here)}`} data-testid="get-vip">
            {t('paywall.getVip')}
          </Link>
        )}
        <button type="button" className="link-button sheet__link" onClick={() => onTopUp(0)} data-testid="open-top-up">
          {t('paywall.topUp')}
        </button>
      </div>
      {series.freeEpisodeCount > 0 && (
        <Link className="link-button link-button--muted sheet__link" to={`/series/${series.id}`}>
          {t('locked.freeEpisodes', { count: series.freeEpisodeCount })}
        </Link>
      )}
    </>
  );
}

/** Signed out: the prices, and one way forward that comes back to this episode. */
function SignInOffer({ unlock }: { unlock: UnlockOptions }): ReactNode {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  return (
    <>
      <header className="sheet__head">
        <h3>{t('paywall.unlockTitle', { n: unlock.episodeNumber })}</h3>
      </header>
      {unlock.lockedToFinish > 1 && <p className="muted sheet__line">{t('paywall.restDetail', { count: unlock.lockedToFinish, coins: unlock.costToFinishCoins })}</p>}
      {unlock.bundle && <p className="muted sheet__line">{t('paywall.bundleDetail', { coins: unlock.bundle.priceCoins })}</p>}
      <p className="sheet__line">{t('paywall.signInToUnlock')}</p>
      <Link className="btn btn--primary btn--block" to={`/signin?next=${encodeURIComponent(pathname)}`} data-testid="sign-in-to-unlock">
        {t('auth.signIn')}
      </Link>
    </>
  );
}

/** The server sent no offer (an older server): at least point to what is free. */
function NoOffer({ series }: { series: Series }): ReactNode {
  const { t } = useTranslation();
  return (
    <Link className="btn btn--primary btn--block" to={`/series/${series.id}`}>
      {t('locked.freeEpisodes', { count: series.freeEpisodeCount })}
    </Link>
  );
}
