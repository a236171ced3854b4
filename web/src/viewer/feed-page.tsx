import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFeed } from '../api/queries.ts';
import { useSession } from '../api/session.ts';
import type { Episode, FeedItem } from '../api/types.ts';
import { Link } from '../lib/router.tsx';
import { LanguageSwitch } from '../ui/language-switch.tsx';
import { EpisodeSlot } from './episode-slot.tsx';
import { nextEpisodeOf } from './next-episode.ts';
import { Pager } from './pager.tsx';
import type { PlayerControls } from './player.tsx';
import { prefetchEnabled } from './prefetch-flag.ts';

interface SlotEpisode {
  episode: Episode;
  startAtMs: number | null;
}

// Survives leaving the feed for a series page and coming back (the feed query stays cached).
const memory = { index: 0, playing: new Map<string, SlotEpisode>() };

const PAGE_AHEAD = 3;

export function FeedPage(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { session } = useSession();
  const feed = useFeed();
  const [prefetch] = useState(prefetchEnabled);
  const [index, setIndex] = useState(memory.index);
  const [playing, setPlaying] = useState(memory.playing);
  const controlsRef = useRef<PlayerControls | null>(null);
  const items: FeedItem[] = feed.data?.pages.flatMap((page) => page.items) ?? [];

  useEffect(() => {
    memory.index = index;
    memory.playing = playing;
  }, [index, playing]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = feed;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && index >= items.length - PAGE_AHEAD) void fetchNextPage();
  }, [index, items.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const clampedIndex = Math.min(index, Math.max(0, items.length - 1));

  const onEnded = (item: FeedItem, current: Episode): void => {
    void nextEpisodeOf(client, current).then((next) => {
      if (next) {
        setPlaying((map) => new Map(map).set(item.series.id, { episode: next, startAtMs: 0 }));
      } else if (clampedIndex < items.length - 1) {
        setIndex(clampedIndex + 1);
      }
    });
  };

  let body: ReactNode;
  if (feed.isPending) {
    body = <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  } else if (feed.isError) {
    body = (
      <div className="empty">
        <p>{t('feed.error')}</p>
        <button type="button" className="btn btn--secondary" onClick={() => void feed.refetch()}>
          {t('common.retry')}
        </button>
      </div>
    );
  } else if (items.length === 0) {
    body = (
      <div className="empty">
        <h2>{t('feed.emptyTitle')}</h2>
        <p>{t('feed.emptyBody')}</p>
        {session.user?.role === 'creator' && (
          <Link className="btn btn--primary" to="/studio">
            {t('feed.emptyStudio')}
          </Link>
        )}
      </div>
    );
  } else {
    body = (
      <Pager
        items={items}
        index={clampedIndex}
        keyOf={(item) => item.series.id}
        onIndexChange={setIndex}
        onTogglePlay={() => controlsRef.current?.togglePlay()}
        endNote={feed.isFetchingNextPage ? null : t('feed.end')}
        renderSlot={(item, role) => {
          const current = playing.get(item.series.id);
          const episode = current?.episode ?? item.episode;
          return (
            <EpisodeSlot
              series={item.series}
              episode={episode}
              role={role}
              prefetch={prefetch}
              startAtMs={current ? current.startAtMs : null}
              controlsRef={controlsRef}
              onEnded={() => onEnded(item, episode)}
            />
          );
        }}
      />
    );
  }

  return (
    <div className="stage" data-testid="feed">
      <div className="stage__column">
        <header className="stage__top">
          <span className="brand">
            dual<b>stream</b>
          </span>
          <span className="stage__tab">{t('feed.forYou')}</span>
          <LanguageSwitch compact />
        </header>
        {body}
      </div>
    </div>
  );
}
