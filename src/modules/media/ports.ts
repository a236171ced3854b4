import type { DbOrTx } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { AssetStatus, Fit } from './schema.ts';

/** The episode's media as the catalog shows it; derived from all of its assets. */
export interface EpisodeMediaSummary {
  mediaStatus: 'none' | 'processing' | 'ready' | 'failed';
  /** The asset that plays (the newest ready one), if any. */
  mediaAssetId: string | null;
  durationMs: number | null;
}

export interface MediaStatusUpdate {
  episodeId: string;
  assetId: string;
  /** This asset's new status. `rejected`: the asset is gone (its upload was refused or abandoned). */
  status: AssetStatus;
  durationMs: number | null;
  /** The episode as a whole after this change, so the catalog can mirror it without asking back. */
  episode: EpisodeMediaSummary;
}

/** A product card on the timeline, as the playback response carries it (see the placements module). */
export interface PlaybackPlacement {
  id: string;
  productId: string;
  startMs: number;
  endMs: number;
  /** Fractions of the frame; null: no hotspot. */
  box: { x: number; y: number; w: number; h: number } | null;
  label: 'same' | 'similar';
  cta: string;
  product: { title: string; image: string | null; priceMinor: number; currency: string; fromPriceMinor: number };
}

/**
 * What the media module needs to know about episodes, which the catalog (and, for playback,
 * the feed's resume position and entitlements) own. Implemented by a flow composing those services.
 */
export interface EpisodeAccess {
  /** The caller may upload a video for this episode; returns the episode's default framing. Throws NOT_FOUND / FORBIDDEN. */
  authorizeUpload(caller: Caller, episodeId: string): Promise<{ fit: Fit }>;
  /** The caller may watch it now. Throws NOT_FOUND (draft, unknown) or ENTITLEMENT_REQUIRED `{ priceCoins }`. */
  authorizePlayback(caller: Caller, episodeId: string): Promise<{ resumeAtMs: number }>;
  /** The episode's live product cards, ordered by start; asked only after authorizePlayback passed. */
  placementsFor(episodeId: string): Promise<PlaybackPlacement[]>;
  /**
   * The caller may decrypt the episode right now (the HLS key): the same rule as playback, checked
   * again at key time so an entitlement that lapsed since the token was issued no longer decrypts.
   */
  authorizeKey(caller: Caller, episodeId: string): Promise<void>;
  /** The caller manages this episode (owner studio member or admin). Throws NOT_FOUND / FORBIDDEN. */
  authorizeManage(caller: Caller, episodeId: string): Promise<void>;
  /**
   * The caller may see the poster: anyone for a published episode, only managers for a draft.
   * `public` lets shared caches keep it. Throws NOT_FOUND.
   */
  authorizePoster(caller: Caller, episodeId: string): Promise<{ public: boolean }>;
  /**
   * Called inside the transaction that changes an asset's status (pass `tx` through), so the
   * catalog's mirror commits or rolls back with it.
   */
  onMediaStatus(update: MediaStatusUpdate, tx: DbOrTx): Promise<void>;
}
