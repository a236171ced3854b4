import { useQuery } from '@tanstack/react-query';
import { useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { useSeries } from '../api/queries.ts';
import type { Episode, SeriesWithEpisodes } from '../api/types.ts';
import { back, Link, navigate, useLocation } from '../lib/router.tsx';
import { BackGlyph } from '../ui/icons.tsx';
import { EpisodeSlot } from './episode-slot.tsx';
import { Pager } from './pager.tsx';
import type { PlayerControls } from './player.tsx';
import { prefetchEnabled } from './prefetch-flag.ts';

/** `/watch/:episodeId?at=ms`: the episodes of one series in the vertical player, starting at one. */
export function WatchPage({ episodeId: routeEpisodeId }: { episodeId: string }): ReactNode {
  const { t } = useTranslation();
  // Swiping rewrites the URL to the episode on screen; the player must not reload for that.
  const [episodeId] = useState(routeEpisodeId);
  const episode = useQuery({ queryKey: ['episode', episodeId], queryFn: () => endpoints.episode(episodeId) });
  const series = useSeries(episode.data?.seriesId ?? null);

  if (episode.isError || series.isError) {
    const missing = isApiError(episode.error, 'NOT_FOUND') || isApiError(series.error, 'NOT_FOUND');
    return (
      <div className="stage">
        <div className="empty">
          <p>{missing ? t('watch.notFound') : t('feed.error')}</p>
          <Link className="btn btn--secondary" to="/">
            {t('nav.home')}
          </Link>
        </div>
      </div>
    );
  }
  if (!episode.data || !series.data) {
    return (
      <div className="stage">
        <div className="spinner spinner--page" aria-label={t('common.loading')} />
      </div>
    );
  }
  return <SeriesPlayer series={series.data} first={episode.data} />;
}

function SeriesPlayer({ series, first }: { series: SeriesWithEpisodes; first: Episode }): ReactNode {
  const { t } = useTranslation();
  const { search } = useLocation();
  const [prefetch] = useState(prefetchEnabled);
  // Drafts appear only for their owner, who may preview the one they opened.
  const [episodes] = useState(() =>
    series.episodes
      .filter((episode) => episode.status === 'published' || episode.id === first.id)
      .sort((a, b) => a.number - b.number),
  );
  const [index, setIndex] = useState(() => Math.max(0, episodes.findIndex((episode) => episode.id === first.id)));
  const [startAt, setStartAt] = useState(() => {
    const at = Number(search.get('at'));
    return { episodeId: first.id, ms: search.has('at') && Number.isFinite(at) && at >= 0 ? at : null };
  });
  const controlsRef = useRef<PlayerControls | null>(null);

  const moveTo = (next: number): void => {
    const target = episodes[next];
    if (!target) return;
    setIndex(next);
    setStartAt((current) => ({ ...current, ms: null }));
    // Keeps a reload on the episode being watched (its resume point then comes from the server).
    navigate(`/watch/${target.id}`, { replace: true });
  };

  return (
    <div className="stage" data-testid="watch">
      <div className="stage__column">
        <header className="stage__top">
          <button type="button" className="icon-button" onClick={() => back(`/series/${series.id}`)} aria-label={t('common.back')}>
            <BackGlyph />
          </button>
          <span className="stage__title">{series.title}</span>
          <span className="stage__counter">
            {index + 1}/{episodes.length}
          </span>
        </header>

        <Pager
          items={episodes}
          index={index}
          keyOf={(episode) => episode.id}
          onIndexChange={moveTo}
          onTogglePlay={() => controlsRef.current?.togglePlay()}
          endNote={t('watch.end')}
          renderSlot={(episode, role) => (
            <EpisodeSlot
              series={series}
              episode={episode}
              role={role}
              prefetch={prefetch}
              startAtMs={episode.id === startAt.episodeId ? startAt.ms : null}
              controlsRef={controlsRef}
              onEnded={() => moveTo(index + 1)}
            />
          )}
        />
      </div>
    </div>
  );
}
