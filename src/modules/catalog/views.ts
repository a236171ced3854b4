import type { episodes, series } from './schema.ts';

export type SeriesRow = typeof series.$inferSelect;
export type EpisodeRow = typeof episodes.$inferSelect;

export interface EpisodeView {
  id: string;
  seriesId: string;
  number: number;
  title: string;
  priceCoins: number;
  free: boolean;
  status: 'draft' | 'published';
  mediaStatus: 'none' | 'processing' | 'ready' | 'failed';
  durationMs: number | null;
  posterUrl: string | null;
  fit: 'pad' | 'crop';
  publishWhenReady: boolean;
  publishedAt: string | null;
}

export interface SeriesView {
  id: string;
  studioId: string;
  title: string;
  synopsis: string;
  coverUrl: string | null;
  tags: string[];
  language: string;
  status: 'draft' | 'published';
  attribution: string | null;
  episodeCount: number;
  /** Published episodes a viewer can watch without paying. */
  freeEpisodeCount: number;
  /** The producer's setting: episodes numbered up to this are free. */
  freeEpisodes: number;
  bundlePriceCoins: number | null;
  inVip: boolean;
  adUnlock: boolean;
  createdAt: string;
  publishedAt: string | null;
}

export function posterUrlOf(episode: EpisodeRow): string | null {
  // The asset id in the URL makes a new upload a new URL, so posters can be cached for long.
  return episode.mediaStatus === 'ready' && episode.mediaAssetId
    ? `/api/v1/episodes/${episode.id}/poster?v=${episode.mediaAssetId}`
    : null;
}

/** The one rule for what is free: the series' first `freeEpisodes`, and any episode priced 0. */
export function isEpisodeFree(episode: Pick<EpisodeRow, 'number' | 'priceCoins'>, parent: Pick<SeriesRow, 'freeEpisodes'>): boolean {
  return episode.priceCoins === 0 || episode.number <= parent.freeEpisodes;
}

export function toEpisodeView(row: EpisodeRow, parent: Pick<SeriesRow, 'freeEpisodes'>): EpisodeView {
  return {
    id: row.id,
    seriesId: row.seriesId,
    number: row.number,
    title: row.title,
    priceCoins: row.priceCoins,
    free: isEpisodeFree(row, parent),
    status: row.status,
    mediaStatus: row.mediaStatus,
    durationMs: row.durationMs,
    posterUrl: posterUrlOf(row),
    fit: row.fit,
    publishWhenReady: row.publishWhenReady,
    publishedAt: row.publishedAt?.toISOString() ?? null,
  };
}

export function isEpisodePublic(episode: EpisodeRow, parent: SeriesRow): boolean {
  return episode.status === 'published' && parent.status === 'published';
}

/** Counts and the fallback cover use only the episodes the public can see. */
export function toSeriesView(row: SeriesRow, seriesEpisodes: EpisodeRow[]): SeriesView {
  const visible = seriesEpisodes.filter((e) => e.status === 'published').sort((a, b) => a.number - b.number);
  const firstPoster = visible.map(posterUrlOf).find((url) => url !== null) ?? null;
  return {
    id: row.id,
    studioId: row.studioId,
    title: row.title,
    synopsis: row.synopsis,
    coverUrl: row.coverKey ? `/api/v1/series/${row.id}/cover?v=${encodeURIComponent(row.coverKey.split('/').pop() ?? '')}` : firstPoster,
    tags: row.tags,
    language: row.language,
    status: row.status,
    attribution: row.attribution,
    episodeCount: visible.length,
    freeEpisodeCount: visible.filter((e) => isEpisodeFree(e, row)).length,
    freeEpisodes: row.freeEpisodes,
    bundlePriceCoins: row.bundlePriceCoins,
    inVip: row.inVip,
    adUnlock: row.adUnlock,
    createdAt: row.createdAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
  };
}
