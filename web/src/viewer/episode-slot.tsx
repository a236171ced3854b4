import type { ReactNode, RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { Episode, Series } from '../api/types.ts';
import { Link } from '../lib/router.tsx';
import { ListGlyph } from '../ui/icons.tsx';
import { FollowRailButton } from './follow-button.tsx';
import type { SlotRole } from './pager.tsx';
import { Player, type PlayerControls, type PlayerMode } from './player.tsx';

const MODE: Record<SlotRole, PlayerMode> = { active: 'active', next: 'warm', prev: 'parked' };

interface EpisodeSlotProps {
  series: Series;
  episode: Episode;
  role: SlotRole;
  prefetch: boolean;
  startAtMs: number | null;
  controlsRef: RefObject<PlayerControls | null>;
  onEnded: () => void;
}

/** One screen of the vertical player: the video and what is drawn over it. */
export function EpisodeSlot({ series, episode, role, prefetch, startAtMs, controlsRef, onEnded }: EpisodeSlotProps): ReactNode {
  const { t } = useTranslation();
  return (
    <div className="slot">
      <Player
        key={episode.id}
        series={series}
        episode={episode}
        mode={MODE[role]}
        prefetch={prefetch}
        startAtMs={startAtMs}
        controlsRef={controlsRef}
        onEnded={onEnded}
      />
      <div className="slot__info">
        <Link className="slot__series" to={`/series/${series.id}`}>
          {series.title}
        </Link>
        <p className="slot__episode">
          <span className="chip chip--accent" data-testid="episode-badge">
            {t('episode.number', { n: episode.number })}
          </span>
          <span className="slot__episode-title">{episode.title}</span>
        </p>
        {series.synopsis && <p className="slot__synopsis">{series.synopsis}</p>}
      </div>
      <div className="rail">
        <FollowRailButton series={series} />
        <Link className="rail__button" to={`/series/${series.id}`} data-testid="series-link">
          <span className="rail__icon">
            <ListGlyph size={28} />
          </span>
          <span className="rail__label">{t('series.episodes')}</span>
        </Link>
      </div>
      <Link className="slot__strip" to={`/series/${series.id}`}>
        <span>{t('series.strip', { count: series.episodeCount })}</span>
        <span aria-hidden>›</span>
      </Link>
    </div>
  );
}
