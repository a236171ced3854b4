import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import type { Caller } from '../../http/context.ts';
import { canManage, loadSeries, requireManagedEpisode, requireManagedSeries, selectEpisodeWithSeries, type StudioMembership } from './access.ts';
import { decodeCursor, encodeCursor } from '../../http/cursor.ts';
import { episodes, series } from './schema.ts';
import { isEpisodePublic, toEpisodeView, toSeriesView, type EpisodeRow, type EpisodeView, type SeriesRow, type SeriesView } from './views.ts';

export type { EpisodeView, SeriesView } from './views.ts';
export type { StudioMembership } from './access.ts';
export { EpisodeSchema, SeriesSchema } from './http-schemas.ts';

export interface SeriesInput {
  title: string;
  synopsis?: string;
  tags?: string[];
  language?: string;
  studioId?: string;
  attribution?: string | null;
}

export interface SeriesPricing {
  freeEpisodes?: number;
  bundlePriceCoins?: number | null;
  inVip?: boolean;
  adUnlock?: boolean;
}

export interface EpisodeInput {
  number: number;
  title: string;
  priceCoins: number;
  fit?: 'pad' | 'crop';
  publishWhenReady?: boolean;
}

export type MediaStatus = EpisodeRow['mediaStatus'];

const COVER_TYPES: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
export const COVER_MAX_BYTES = 5 * 1024 * 1024;

export type CatalogService = ReturnType<typeof createCatalogService>;

export function createCatalogService(deps: { db: Db; identity: StudioMembership; storage: Storage; clock: Clock }) {
  const { db, identity, storage, clock } = deps;
  // Every playback asks for its episode and series: built once and prepared.
  const preparedEpisodeWithSeries = selectEpisodeWithSeries(db, sql.placeholder('episodeId')).prepare('catalog_episode_with_series');
  const episodeWithSeries = async (episodeId: string) => (await preparedEpisodeWithSeries.execute({ episodeId }))[0] ?? null;

  // The feed asks for these on every page: built once and prepared.
  const selectEpisodesOf = db
    .select()
    .from(episodes)
    .where(sql`${episodes.seriesId} = any(${sql.placeholder('seriesIds')})`)
    .orderBy(asc(episodes.number))
    .prepare('catalog_episodes_of');
  const publishedSeries = (after: SQL | undefined) =>
    db
      .select()
      .from(series)
      .where(and(eq(series.status, 'published'), after))
      .orderBy(desc(series.publishedAt), desc(series.id))
      .limit(sql.placeholder('limit'));
  const selectFirstPage = publishedSeries(undefined).prepare('catalog_published_first_page');
  const at = sql.placeholder('at');
  const selectNextPage = publishedSeries(or(lt(series.publishedAt, at), and(eq(series.publishedAt, at), lt(series.id, sql.placeholder('id'))))).prepare('catalog_published_next_page');

  async function episodesOf(seriesIds: string[]): Promise<Map<string, EpisodeRow[]>> {
    const bySeries = new Map<string, EpisodeRow[]>();
    if (seriesIds.length === 0) return bySeries;
    const rows = await selectEpisodesOf.execute({ seriesIds });
    for (const row of rows) bySeries.set(row.seriesId, [...(bySeries.get(row.seriesId) ?? []), row]);
    return bySeries;
  }

  async function seriesView(row: SeriesRow): Promise<SeriesView> {
    return toSeriesView(row, (await episodesOf([row.id])).get(row.id) ?? []);
  }

  async function createSeries(caller: Caller, input: SeriesInput): Promise<SeriesView> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    const studios = await identity.orgIdsOf(userId, 'studio');
    const studioId = input.studioId ?? studios[0];
    if (!studioId) throw new AppError('FORBIDDEN', 'You belong to no studio');
    if (caller.role !== 'admin' && !studios.includes(studioId)) throw new AppError('FORBIDDEN', 'You are not a member of this studio');
    const [row] = await db
      .insert(series)
      .values({
        id: newId('series'),
        studioId,
        createdBy: userId,
        title: input.title.trim(),
        synopsis: input.synopsis?.trim() ?? '',
        tags: input.tags ?? [],
        language: input.language ?? 'zh-CN',
        attribution: input.attribution ?? null,
      })
      .returning();
    if (!row) throw new AppError('INTERNAL', 'series insert returned nothing');
    return toSeriesView(row, []);
  }

  async function getSeries(caller: Caller, seriesId: string): Promise<SeriesView & { episodes: EpisodeView[]; canManage: boolean }> {
    const row = await loadSeries(db, seriesId);
    if (!row) throw new AppError('NOT_FOUND', 'Series not found');
    const owner = await canManage(identity, caller, row);
    if (!owner && row.status !== 'published') throw new AppError('NOT_FOUND', 'Series not found');
    const all = (await episodesOf([row.id])).get(row.id) ?? [];
    const visible = owner ? all : all.filter((e) => e.status === 'published');
    return { ...toSeriesView(row, all), episodes: visible.map((e) => toEpisodeView(e, row)), canManage: owner };
  }

  async function updateSeries(caller: Caller, seriesId: string, patch: Partial<Omit<SeriesInput, 'studioId'>> & SeriesPricing): Promise<SeriesView> {
    await requireManagedSeries(db, identity, caller, seriesId);
    const [row] = await db
      .update(series)
      .set({
        ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
        ...(patch.synopsis !== undefined ? { synopsis: patch.synopsis.trim() } : {}),
        ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
        ...(patch.language !== undefined ? { language: patch.language } : {}),
        ...(patch.freeEpisodes !== undefined ? { freeEpisodes: patch.freeEpisodes } : {}),
        ...(patch.bundlePriceCoins !== undefined ? { bundlePriceCoins: patch.bundlePriceCoins } : {}),
        ...(patch.inVip !== undefined ? { inVip: patch.inVip } : {}),
        ...(patch.adUnlock !== undefined ? { adUnlock: patch.adUnlock } : {}),
        updatedAt: clock.now(),
      })
      .where(eq(series.id, seriesId))
      .returning();
    if (!row) throw new AppError('NOT_FOUND', 'Series not found');
    return seriesView(row);
  }

  async function setCover(caller: Caller, seriesId: string, contentType: string, body: Buffer): Promise<SeriesView> {
    const current = await requireManagedSeries(db, identity, caller, seriesId);
    const extension = COVER_TYPES[contentType];
    if (!extension) throw new AppError('UNSUPPORTED_MEDIA', 'A cover must be JPEG, PNG or WebP');
    if (body.length > COVER_MAX_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'A cover may be 5 MB at most');
    if (!looksLikeImage(body, extension)) throw new AppError('UNSUPPORTED_MEDIA', 'The file is not the image type it claims to be');
    const key = `covers/${seriesId}/${randomBytes(8).toString('hex')}.${extension}`;
    await storage.putBuffer(key, body, contentType);
    const [row] = await db.update(series).set({ coverKey: key, updatedAt: clock.now() }).where(eq(series.id, seriesId)).returning();
    if (current.coverKey) await storage.deletePrefix(current.coverKey);
    if (!row) throw new AppError('NOT_FOUND', 'Series not found');
    return seriesView(row);
  }

  async function coverOf(caller: Caller, seriesId: string): Promise<{ key: string; contentType: string }> {
    const row = await loadSeries(db, seriesId);
    if (!row?.coverKey || (row.status !== 'published' && !(await canManage(identity, caller, row)))) {
      throw new AppError('NOT_FOUND', 'No cover');
    }
    const extension = row.coverKey.split('.').pop() ?? 'jpg';
    const contentType = Object.entries(COVER_TYPES).find(([, ext]) => ext === extension)?.[0] ?? 'image/jpeg';
    return { key: row.coverKey, contentType };
  }

  async function publishSeries(caller: Caller, seriesId: string): Promise<SeriesView> {
    await requireManagedSeries(db, identity, caller, seriesId);
    const now = clock.now();
    const [row] = await db
      .update(series)
      .set({ status: 'published', publishedAt: sql`coalesce(${series.publishedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
      .where(eq(series.id, seriesId))
      .returning();
    if (!row) throw new AppError('NOT_FOUND', 'Series not found');
    return seriesView(row);
  }

  async function listStudioSeries(caller: Caller): Promise<SeriesView[]> {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    const studios = await identity.orgIdsOf(caller.userId, 'studio');
    if (studios.length === 0) return [];
    const rows = await db.select().from(series).where(inArray(series.studioId, studios)).orderBy(desc(series.createdAt));
    const bySeries = await episodesOf(rows.map((r) => r.id));
    return rows.map((r) => toSeriesView(r, bySeries.get(r.id) ?? []));
  }

  async function createEpisode(caller: Caller, seriesId: string, input: EpisodeInput): Promise<EpisodeView> {
    const parent = await requireManagedSeries(db, identity, caller, seriesId);
    const [row] = await db
      .insert(episodes)
      .values({
        id: newId('episode'),
        seriesId,
        number: input.number,
        title: input.title.trim(),
        priceCoins: input.priceCoins,
        fit: input.fit ?? 'pad',
        publishWhenReady: input.publishWhenReady ?? false,
      })
      .onConflictDoNothing({ target: [episodes.seriesId, episodes.number] })
      .returning();
    if (!row) throw new AppError('EPISODE_NUMBER_TAKEN', `Episode ${input.number} already exists in this series`);
    return toEpisodeView(row, parent);
  }

  async function getEpisode(caller: Caller, episodeId: string): Promise<EpisodeView & { seriesTitle: string }> {
    const found = await episodeWithSeries(episodeId);
    if (!found) throw new AppError('NOT_FOUND', 'Episode not found');
    if (!isEpisodePublic(found.episode, found.series) && !(await canManage(identity, caller, found.series))) {
      throw new AppError('NOT_FOUND', 'Episode not found');
    }
    return { ...toEpisodeView(found.episode, found.series), seriesTitle: found.series.title };
  }

  async function updateEpisode(caller: Caller, episodeId: string, patch: Partial<Omit<EpisodeInput, 'number'>>): Promise<EpisodeView> {
    const { series: parent } = await requireManagedEpisode(db, identity, caller, episodeId);
    const [row] = await db
      .update(episodes)
      .set({
        ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
        ...(patch.priceCoins !== undefined ? { priceCoins: patch.priceCoins } : {}),
        ...(patch.fit !== undefined ? { fit: patch.fit } : {}),
        ...(patch.publishWhenReady !== undefined ? { publishWhenReady: patch.publishWhenReady } : {}),
        updatedAt: clock.now(),
      })
      .where(eq(episodes.id, episodeId))
      .returning();
    if (!row) throw new AppError('NOT_FOUND', 'Episode not found');
    return toEpisodeView(row, parent);
  }

  async function publishEpisode(caller: Caller, episodeId: string): Promise<EpisodeView> {
    const { series: parent } = await requireManagedEpisode(db, identity, caller, episodeId);
    const now = clock.now();
    // The ready check sits in the UPDATE itself, so a concurrent re-upload cannot slip in between.
    const [row] = await db
      .update(episodes)
      .set({ status: 'published', publishedAt: sql`coalesce(${episodes.publishedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
      .where(and(eq(episodes.id, episodeId), eq(episodes.mediaStatus, 'ready')))
      .returning();
    if (!row) throw new AppError('EPISODE_NOT_READY', 'Upload a video and wait until it is ready before publishing');
    return toEpisodeView(row, parent);
  }

  /**
   * Mirrors the media module's view of an episode (called by the media flow inside the media
   * transaction); an episode waiting to be published goes live the moment its video is ready.
   */
  async function setEpisodeMedia(
    episodeId: string,
    update: { status: MediaStatus; assetId: string | null; durationMs: number | null },
    tx: DbOrTx = db,
  ): Promise<void> {
    const now = clock.now();
    const goesLive = update.status === 'ready' && update.assetId !== null;
    await tx
      .update(episodes)
      .set({
        mediaStatus: update.status,
        mediaAssetId: update.assetId,
        durationMs: update.durationMs,
        ...(goesLive
          ? {
              status: sql`case when ${episodes.publishWhenReady} then 'published' else ${episodes.status} end`,
              publishedAt: sql`case when ${episodes.publishWhenReady} then coalesce(${episodes.publishedAt}, ${now.toISOString()}::timestamptz) else ${episodes.publishedAt} end`,
            }
          : {}),
        updatedAt: now,
      })
      .where(eq(episodes.id, episodeId));
  }

  /** Access facts other modules need about an episode, without exposing rows. */
  async function episodeAccessFacts(caller: Caller, episodeId: string) {
    const found = await episodeWithSeries(episodeId);
    if (!found) return null;
    return {
      episode: toEpisodeView(found.episode, found.series),
      seriesId: found.series.id,
      studioId: found.series.studioId,
      isPublic: isEpisodePublic(found.episode, found.series),
      canManage: await canManage(identity, caller, found.series),
      series: {
        freeEpisodes: found.series.freeEpisodes,
        bundlePriceCoins: found.series.bundlePriceCoins,
        inVip: found.series.inVip,
        adUnlock: found.series.adUnlock,
      },
    };
  }

  /** A published series' settings and its published episodes in order, for pricing and the access grid; null if not public. */
  async function seriesAccessFacts(caller: Caller, seriesId: string) {
    const row = await loadSeries(db, seriesId);
    if (!row || row.status !== 'published') return null;
    const published = ((await episodesOf([row.id])).get(row.id) ?? []).filter((e) => e.status === 'published');
    return {
      seriesId: row.id,
      studioId: row.studioId,
      title: row.title,
      canManage: await canManage(identity, caller, row),
      series: { freeEpisodes: row.freeEpisodes, bundlePriceCoins: row.bundlePriceCoins, inVip: row.inVip, adUnlock: row.adUnlock },
      episodes: published.map((e) => toEpisodeView(e, row)),
    };
  }

  async function requireEpisodeManager(caller: Caller, episodeId: string): Promise<EpisodeView> {
    const found = await requireManagedEpisode(db, identity, caller, episodeId);
    return toEpisodeView(found.episode, found.series);
  }

  /** Published series, newest first, each with its published episodes. */
  async function publishedSeriesPage(cursor: string | null, limit: number) {
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = after ? await selectNextPage.execute({ at: new Date(after.at), id: after.id, limit: limit + 1 }) : await selectFirstPage.execute({ limit: limit + 1 });
    const page = rows.slice(0, limit);
    const bySeries = await episodesOf(page.map((r) => r.id));
    const last = page[page.length - 1];
    return {
      items: page.map((r) => {
        const published = (bySeries.get(r.id) ?? []).filter((e) => e.status === 'published');
        return { series: toSeriesView(r, published), episodes: published.map((e) => toEpisodeView(e, r)) };
      }),
      nextCursor: rows.length > limit && last?.publishedAt ? encodeCursor({ at: last.publishedAt.toISOString(), id: last.id }) : null,
    };
  }

  /** Public views of the given episodes (unpublished ones left out), keyed by id. */
  async function publicEpisodes(episodeIds: string[]): Promise<Map<string, { episode: EpisodeView; series: SeriesView }>> {
    const result = new Map<string, { episode: EpisodeView; series: SeriesView }>();
    if (episodeIds.length === 0) return result;
    const rows = await db.select({ episode: episodes, series }).from(episodes).innerJoin(series, eq(series.id, episodes.seriesId)).where(inArray(episodes.id, episodeIds));
    const bySeries = await episodesOf([...new Set(rows.map((r) => r.series.id))]);
    for (const row of rows) {
      if (!isEpisodePublic(row.episode, row.series)) continue;
      result.set(row.episode.id, { episode: toEpisodeView(row.episode, row.series), series: toSeriesView(row.series, bySeries.get(row.series.id) ?? []) });
    }
    return result;
  }

  async function publicSeries(seriesIds: string[]): Promise<SeriesView[]> {
    if (seriesIds.length === 0) return [];
    const rows = await db.select().from(series).where(and(inArray(series.id, seriesIds), eq(series.status, 'published')));
    const bySeries = await episodesOf(rows.map((r) => r.id));
    return rows.map((r) => toSeriesView(r, bySeries.get(r.id) ?? []));
  }

  return {
    createSeries,
    getSeries,
    updateSeries,
    setCover,
    coverOf,
    publishSeries,
    listStudioSeries,
    createEpisode,
    getEpisode,
    updateEpisode,
    publishEpisode,
    setEpisodeMedia,
    episodeAccessFacts,
    seriesAccessFacts,
    requireEpisodeManager,
    publishedSeriesPage,
    publicEpisodes,
    publicSeries,
  };
}

function looksLikeImage(body: Buffer, extension: string): boolean {
  switch (extension) {
    case 'jpg':
      return body[0] === 0xff && body[1] === 0xd8 && body[2] === 0xff;
    case 'png':
      return body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'webp':
      return body.subarray(0, 4).toString('latin1') === 'RIFF' && body.subarray(8, 12).toString('latin1') === 'WEBP';
    default:
      return false;
  }
}
