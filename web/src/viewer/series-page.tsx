import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { keys, useSeries } from '../api/queries.ts';
import { useSession } from '../api/session.ts';
import type { ContinueItem, Episode } from '../api/types.ts';
import { formatDurationMs } from '../lib/format.ts';
import { back, Link } from '../lib/router.tsx';
import type { EpisodeAccessState, SeriesAccess } from '../api/paywall.ts';
import { SeriesOffer, useSeriesAccess } from '../paywall/series-offer.tsx';
import { BackGlyph, CheckGlyph, LockGlyph, PlayGlyph } from '../ui/icons.tsx';
import { Cover } from '../ui/cover.tsx';
import { FollowPillButton } from './follow-button.tsx';
import { playableEpisodes } from './next-episode.ts';

export function SeriesPage({ seriesId }: { seriesId: string }): ReactNode {
  const { t } = useTranslation();
  const { session } = useSession();
  const series = useSeries(seriesId);
  const access = useSeriesAccess(seriesId);
  const resume = useQuery({
    queryKey: keys.continueWatching,
    queryFn: () => endpoints.continueWatching(),
    enabled: session.user !== null,
  });

  if (series.isPending) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  if (series.isError) {
    return (
      <div className="page">
        <div className="empty">
          <p>{isApiError(series.error, 'NOT_FOUND') ? t('series.notFound') : t('feed.error')}</p>
          <Link className="btn btn--secondary" to="/">
            {t('nav.home')}
          </Link>
        </div>
      </div>
    );
  }
  const data = series.data;
  const episodes = playableEpisodes(data);
  const resumeItem: ContinueItem | undefined = resume.data?.items.find((item) => item.series.id === data.id);
  const playTarget = resumeItem
    ? `/watch/${resumeItem.episode.id}?at=${resumeItem.positionMs}`
    : episodes[0]
      ? `/watch/${episodes[0].id}`
      : null;

  return (
    <div className="page page--series" data-testid="series-page">
      <div className="series-hero">
        <Cover className="series-hero__backdrop" src={data.coverUrl} title={data.title} />
        <button type="button" className="icon-button series-hero__back" onClick={() => back('/')} aria-label={t('common.back')}>
          <BackGlyph />
        </button>
        <div className="series-hero__body">
          <Cover className="series-hero__cover" src={data.coverUrl} title={data.title} />
          <div className="series-hero__text">
            <h1>{data.title}</h1>
            <p className="muted">
              {t('series.count', { count: data.episodeCount })}
              {data.freeEpisodeCount > 0 && ` · ${t('series.freeCount', { count: data.freeEpisodeCount })}`}
            </p>
            {data.tags.length > 0 && (
              <ul className="tags">
                {data.tags.map((tag) => (
                  <li key={tag} className="chip">
                    {tag}
                  </li>
                ))}
              </ul>
            )}
          </div>
        </div>
      </div>
      <div className="series-actions">
        {playTarget && (
          <Link className="btn btn--primary btn--grow" to={playTarget} data-testid="play-series">
            <PlayGlyph size={18} />
            {resumeItem ? t('series.resume', { n: resumeItem.episode.number }) : t('series.play')}
          </Link>
        )}
        <FollowPillButton series={data} />
      </div>
      {data.canManage && (
        <Link className="manage-link" to={`/studio/series/${data.id}`}>
          {t('series.manage')}
        </Link>
      )}
      {data.synopsis && <p className="series-synopsis">{data.synopsis}</p>}
      {access.data && <SeriesOffer access={access.data} signedIn={session.user !== null} />}
      <h2 className="section-title">{t('series.episodes')}</h2>
      {episodes.length === 0 ? (
        <p className="muted">{t('series.noEpisodes')}</p>
      ) : (
        <ol className="episode-grid" data-testid="episode-grid">
          {episodes.map((episode) => (
            <li key={episode.id}>
              <EpisodeTile episode={episode} current={resumeItem?.episode.id === episode.id} state={stateOf(access.data, episode)} />
            </li>
          ))}
        </ol>
      )}
      {data.attribution && <p className="attribution">{data.attribution}</p>}
    </div>
  );
}

/** The server's answer for this viewer; until it is in, what the catalog says (free or priced). */
function stateOf(access: SeriesAccess | undefined, episode: Episode): EpisodeAccessState {
  const known = access?.episodes.find((item) => item.id === episode.id);
  return known?.state ?? (episode.free ? 'free' : 'locked');
}

function EpisodeTile({ episode, current, state }: { episode: Episode; current: boolean; state: EpisodeAccessState }): ReactNode {
  const { t } = useTranslation();
  let badge: ReactNode;
  switch (state) {
    case 'free':
      badge = <span className="badge badge--free">{t('episode.free')}</span>;
      break;
    case 'owned':
      badge = (
        <span className="badge badge--owned">
          <CheckGlyph size={11} />
          {t('episode.owned')}
        </span>
      );
      break;
    case 'vip':
      badge = <span className="badge badge--vip">{t('episode.vip')}</span>;
      break;
    case 'locked':
      badge = (
        <span className="badge badge--price">
          <LockGlyph size={11} />
          {t('episode.coins', { count: episode.priceCoins })}
        </span>
      );
      break;
  }
  return (
    <Link
      className={`episode-tile${current ? ' episode-tile--current' : ''}${state === 'locked' ? ' episode-tile--locked' : ''}`}
      to={`/watch/${episode.id}`}
      data-testid="episode-tile"
      data-state={state}
      aria-label={`${t('episode.number', { n: episode.number })} ${episode.title}`}
    >
      <span className="episode-tile__number">{episode.number}</span>
      <span className="episode-tile__title">{episode.title}</span>
      {episode.durationMs !== null && <span className="episode-tile__duration">{formatDurationMs(episode.durationMs)}</span>}
      {badge}
    </Link>
  );
}
