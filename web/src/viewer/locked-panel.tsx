import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Episode, Series } from '../api/types.ts';
import { Link } from '../lib/router.tsx';
import { CoinGlyph, LockGlyph } from '../ui/icons.tsx';

export function LockedPanel({ series, episode, priceCoins }: { series: Series; episode: Episode; priceCoins: number }): ReactNode {
  const { t } = useTranslation();
  return (
    <div className="locked" data-testid="locked-panel" role="dialog" aria-labelledby={`locked-${episode.id}`}>
      {series.coverUrl && <div className="locked__backdrop" style={{ backgroundImage: `url("${series.coverUrl}")` }} />}
      <div className="locked__card">
        <div className="locked__icon">
          <LockGlyph size={28} />
        </div>
        <h2 id={`locked-${episode.id}`}>{t('locked.title', { n: episode.number })}</h2>
        <p className="locked__price">
          <CoinGlyph size={22} />
          <span>{t('locked.price', { count: priceCoins })}</span>
        </p>
        <p className="locked__soon">{t('locked.soon')}</p>
        <Link className="btn btn--primary" to={`/series/${series.id}`}>
          {t('locked.freeEpisodes', { count: series.freeEpisodeCount })}
        </Link>
      </div>
    </div>
  );
}
