/** Shapes of the HTTP contract (notes/api.md). Kept by hand: the web never imports server code. */

export type Role = 'viewer' | 'creator' | 'merchant' | 'admin';

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

export interface SessionOrg {
  id: string;
  kind: 'studio' | 'shop';
  name: string;
  role: string;
}

export interface Session {
  user: SessionUser | null;
  orgs: SessionOrg[];
  csrfToken: string | null;
}

export type PublishStatus = 'draft' | 'published';

export interface Series {
  id: string;
  studioId: string;
  title: string;
  synopsis: string;
  coverUrl: string | null;
  tags: string[];
  language: string;
  status: PublishStatus;
  attribution: string | null;
  episodeCount: number;
  freeEpisodeCount: number;
  /** Producer settings (paywall): episodes numbered up to freeEpisodes are free. */
  freeEpisodes: number;
  bundlePriceCoins: number | null;
  inVip: boolean;
  adUnlock: boolean;
  createdAt: string;
  publishedAt: string | null;
}

export type EpisodeMediaStatus = 'none' | 'processing' | 'ready' | 'failed';

export interface Episode {
  id: string;
  seriesId: string;
  number: number;
  title: string;
  priceCoins: number;
  free: boolean;
  status: PublishStatus;
  mediaStatus: EpisodeMediaStatus;
  durationMs: number | null;
  posterUrl: string | null;
  fit: 'pad' | 'crop';
  /** The catalog publishes the episode by itself once its video is ready. */
  publishWhenReady: boolean;
  publishedAt: string | null;
}

export interface SeriesWithEpisodes extends Series {
  episodes: Episode[];
  /** The caller owns the series (drafts are then included). */
  canManage: boolean;
}

export type AssetStatus = 'uploading' | 'queued' | 'transcoding' | 'ready' | 'failed' | 'rejected';

export interface Rendition {
  name?: string;
  width?: number;
  height?: number;
  bandwidth?: number;
}

export interface MediaState {
  assetId: string | null;
  status: AssetStatus;
  progress: number;
  failureReason: string | null;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  sceneCutsMs: number[];
  renditions: Rendition[];
}

export interface Playback {
  hlsUrl: string;
  expiresAt: string;
  resumeAtMs: number;
  posterUrl: string | null;
  thumbnailsVttUrl: string | null;
  /** Products placed on the episode's timeline (issue 3); absent from an older server. */
  placements?: PlaybackPlacement[];
}

/** One product card on the timeline; the box is in fractions of the video frame. */
export interface PlaybackPlacement {
  id: string;
  productId: string;
  startMs: number;
  endMs: number;
  box: { x: number; y: number; w: number; h: number } | null;
  label: 'same' | 'similar';
  cta: string;
  product: { title: string; image: string | null; priceMinor: number; currency: string; fromPriceMinor: number };
}

export interface FeedItem {
  series: Series;
  episode: Episode;
  resumeAtMs: number;
}

export interface FeedPage {
  items: FeedItem[];
  nextCursor: string | null;
}

export interface ContinueItem {
  series: Series;
  episode: Episode;
  positionMs: number;
  updatedAt: string;
}

export interface HistoryItem extends ContinueItem {
  completed: boolean;
}

export interface ItemsOf<T> {
  items: T[];
}
