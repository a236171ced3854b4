import { and, desc, eq, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { CatalogService, EpisodeView, SeriesView } from '../catalog/service.ts';
import { follows, watchProgress } from './schema.ts';

export interface FeedItem {
  series: SeriesView;
  episode: EpisodeView;
  resumeAtMs: number;
}

export interface ViewingEntry {
  series: SeriesView;
  episode: EpisodeView;
  positionMs: number;
  completed: boolean;
  updatedAt: string;
}

/** Within this many ms of the end an episode counts as watched, and the next one is where to resume. */
const COMPLETION_MARGIN_MS = 3000;

export type FeedService = ReturnType<typeof createFeedService>;

export function createFeedService(deps: { db: Db; catalog: CatalogService; clock: Clock }) {
  const { db, catalog, clock } = deps;

  async function saveProgress(caller: Caller, episodeId: string, positionMs: number, durationMs: number | null): Promise<void> {
    const facts = await catalog.episodeAccessFacts(caller, episodeId);
    if (!facts || (!facts.isPublic && !facts.canManage)) throw new AppError('NOT_FOUND', 'Episode not found');
    const knownDuration = facts.episode.durationMs ?? durationMs;
    const position = knownDuration !== null ? Math.min(positionMs, knownDuration) : positionMs;
    const completed = knownDuration !== null && position >= knownDuration - COMPLETION_MARGIN_MS;
    const now = clock.now();
    await db
      .insert(watchProgress)
      .values({ viewerKey: caller.viewerKey, episodeId, seriesId: facts.seriesId, positionMs: position, durationMs: knownDuration, completed, updatedAt: now })
      .onConflictDoUpdate({
        target: [watchProgress.viewerKey, watchProgress.episodeId],
        set: { positionMs: position, durationMs: knownDuration, completed: sql`${watchProgress.completed} or ${completed}`, updatedAt: now },
      });
  }

  // Every playback asks where the viewer stopped: built once and prepared.
  const selectProgress = db
    .select({ positionMs: watchProgress.positionMs, completed: watchProgress.completed, durationMs: watchProgress.durationMs })
    .from(watchProgress)
    .where(and(eq(watchProgress.viewerKey, sql.placeholder('viewerKey')), eq(watchProgress.episodeId, sql.placeholder('episodeId'))))
    .prepare('feed_resume_position');

  async function resumePosition(viewerKey: string, episodeId: string): Promise<number> {
    const [row] = await selectProgress.execute({ viewerKey, episodeId });
    if (!row) return 0;
    // Replaying a finished episode starts at the beginning, as every player does.
    if (row.durationMs !== null && row.positionMs >= row.durationMs - COMPLETION_MARGIN_MS) return 0;
    return row.positionMs;
  }

  async function recentProgress(viewerKey: string, limit: number) {
    return db.select().from(watchProgress).where(eq(watchProgress.viewerKey, viewerKey)).orderBy(desc(watchProgress.updatedAt)).limit(limit);
  }

  async function history(caller: Caller, limit = 50): Promise<ViewingEntry[]> {
    const rows = await recentProgress(caller.viewerKey, limit);
    const views = await catalog.publicEpisodes(rows.map((r) => r.episodeId));
    return rows.flatMap((r) => {
      const view = views.get(r.episodeId);
      return view ? [{ ...view, positionMs: r.positionMs, completed: r.completed, updatedAt: r.updatedAt.toISOString() }] : [];
    });
  }

  /** The latest unfinished point per series; a finished episode points to the next one. */
  async function continueWatching(caller: Caller, limit = 20): Promise<ViewingEntry[]> {
    const rows = await recentProgress(caller.viewerKey, 200);
    const latestPerSeries = new Map<string, (typeof rows)[number]>();
    for (const row of rows) if (!latestPerSeries.has(row.seriesId)) latestPerSeries.set(row.seriesId, row);
    const entries: ViewingEntry[] = [];
    for (const row of latestPerSeries.values()) {
      if (entries.length >= limit) break;
      if (!row.completed) {
        const view = (await catalog.publicEpisodes([row.episodeId])).get(row.episodeId);
        if (view) entries.push({ ...view, positionMs: row.positionMs, completed: false, updatedAt: row.updatedAt.toISOString() });
        continue;
      }
      const seriesWithEpisodes = await catalog.getSeries(caller, row.seriesId).catch(() => null);
      const finished = seriesWithEpisodes?.episodes.find((e) => e.id === row.episodeId);
      const next = seriesWithEpisodes?.episodes.find((e) => e.status === 'published' && finished && e.number > finished.number);
      if (seriesWithEpisodes && next) {
        const { episodes: _all, canManage: _owner, ...seriesView } = seriesWithEpisodes;
        entries.push({ series: seriesView, episode: next, positionMs: 0, completed: false, updatedAt: row.updatedAt.toISOString() });
      }
    }
    return entries;
  }

  /** The viewer's latest progress row in each of these series (one query, only these series). */
  const selectLatestProgress = db
    .selectDistinctOn([watchProgress.seriesId])
    .from(watchProgress)
    .where(and(eq(watchProgress.viewerKey, sql.placeholder('viewerKey')), sql`${watchProgress.seriesId} = any(${sql.placeholder('seriesIds')})`))
    .orderBy(watchProgress.seriesId, desc(watchProgress.updatedAt))
    .prepare('feed_latest_progress_in');

  async function latestProgressIn(viewerKey: string, seriesIds: string[]) {
    if (seriesIds.length === 0) return new Map<string, typeof watchProgress.$inferSelect>();
    const rows = await selectLatestProgress.execute({ viewerKey, seriesIds });
    return new Map(rows.map((row) => [row.seriesId, row]));
  }

  async function feed(caller: Caller, cursor: string | null, limit: number): Promise<{ items: FeedItem[]; nextCursor: string | null }> {
    const page = await catalog.publishedSeriesPage(cursor, limit);
    const progress = await latestProgressIn(caller.viewerKey, page.items.map((item) => item.series.id));
    const items: FeedItem[] = [];
    for (const { series, episodes } of page.items) {
      const playable = episodes.filter((e) => e.mediaStatus === 'ready');
      if (playable.length === 0) continue;
      const last = progress.get(series.id);
      const lastEpisode = last ? playable.find((e) => e.id === last.episodeId) : undefined;
      let episode = playable[0];
      let resumeAtMs = 0;
      if (last && lastEpisode) {
        if (!last.completed) {
          episode = lastEpisode;
          resumeAtMs = last.positionMs;
        } else {
          episode = playable.find((e) => e.number > lastEpisode.number) ?? lastEpisode;
        }
      }
      if (episode) items.push({ series, episode, resumeAtMs });
    }
    return { items, nextCursor: page.nextCursor };
  }

  async function follow(caller: Caller, seriesId: string): Promise<void> {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in to follow a series');
    const [visible] = await catalog.publicSeries([seriesId]);
    if (!visible) throw new AppError('NOT_FOUND', 'Series not found');
    await db.insert(follows).values({ userId: caller.userId, seriesId }).onConflictDoNothing();
  }

  async function unfollow(caller: Caller, seriesId: string): Promise<void> {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    await db.delete(follows).where(and(eq(follows.userId, caller.userId), eq(follows.seriesId, seriesId)));
  }

  async function followed(caller: Caller): Promise<SeriesView[]> {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    const rows = await db.select().from(follows).where(eq(follows.userId, caller.userId)).orderBy(desc(follows.createdAt));
    const views = await catalog.publicSeries(rows.map((r) => r.seriesId));
    const byId = new Map(views.map((v) => [v.id, v]));
    return rows.flatMap((r) => byId.get(r.seriesId) ?? []);
  }

  async function isFollowing(userId: string, seriesId: string): Promise<boolean> {
    const rows = await db.select().from(follows).where(and(eq(follows.userId, userId), eq(follows.seriesId, seriesId)));
    return rows.length > 0;
  }

  /**
   * What a device watched before signing in becomes the user's, so "continue watching" survives
   * the sign-in. Where both have a position for an episode, the newer one wins.
   */
  async function adoptDeviceProgress(deviceId: string, userId: string): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into watch_progress (viewer_key, episode_id, series_id, position_ms, duration_ms, completed, updated_at)
        select ${userId}, episode_id, series_id, position_ms, duration_ms, completed, updated_at
        from watch_progress where viewer_key = ${deviceId}
        on conflict (viewer_key, episode_id) do update set
          position_ms = excluded.position_ms, duration_ms = excluded.duration_ms,
          completed = watch_progress.completed or excluded.completed, updated_at = excluded.updated_at
        where excluded.updated_at > watch_progress.updated_at`);
      await tx.delete(watchProgress).where(eq(watchProgress.viewerKey, deviceId));
    });
  }

  return { adoptDeviceProgress, saveProgress, resumePosition, history, continueWatching, feed, follow, unfollow, followed, isFollowing };
}
