import type { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { mediaFileUrl, toEpochSeconds, type MediaPathParts, type MediaSigner } from '../../drivers/signing/index.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import type { Caller } from '../../http/context.ts';
import {
  assetPrefixes,
  deleteAsset,
  latestAsset,
  preparedAssetReads,
  summarizeEpisode,
  type AssetRow,
} from './assets.ts';
import { findAssetKey } from './keys.ts';
import type { EpisodeAccess, EpisodeMediaSummary, PlaybackPlacement } from './ports.ts';
import { mediaAssets, type AssetStatus } from './schema.ts';

export interface MediaServiceDeps {
  db: Db;
  storage: Storage;
  signer: MediaSigner;
  config: Config;
  log: Logger;
  clock: Clock;
  episodeAccess: EpisodeAccess;
}

export interface RenditionView {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  codecs: string;
}

export interface MediaView {
  assetId: string;
  status: AssetStatus;
  progress: number;
  failureReason: string | null;
  durationMs: number | null;
  width: number | null;
  height: number | null;
  sceneCutsMs: number[];
  renditions: RenditionView[];
}

export interface PlaybackView {
  hlsUrl: string;
  expiresAt: string;
  resumeAtMs: number;
  posterUrl: string | null;
  thumbnailsVttUrl: string | null;
  placements: PlaybackPlacement[];
}

export interface PosterFile {
  assetId: string;
  size: number;
  public: boolean;
  body: Readable;
}

function toMediaView(asset: AssetRow): MediaView {
  return {
    assetId: asset.id,
    status: asset.status,
    progress: asset.progress,
    failureReason: asset.failureReason,
    durationMs: asset.durationMs,
    width: asset.width,
    height: asset.height,
    sceneCutsMs: asset.sceneCutsMs,
    renditions: asset.renditions.map(({ name, width, height, bandwidth, codecs }) => ({ name, width, height, bandwidth, codecs })),
  };
}

/** A storage key inside the asset's folder, as a path relative to it (for signed URLs). */
function relativeToAsset(asset: AssetRow, key: string): string | null {
  const prefix = assetPrefixes(asset).hls;
  return key.startsWith(prefix) ? key.slice(prefix.length) : null;
}

/** The media module's public face: what routes and other modules may call. */
export function createMediaService(deps: MediaServiceDeps) {
  const { db, storage, signer, config, clock, episodeAccess } = deps;
  const reads = preparedAssetReads(db);

  async function notify(tx: DbOrTx, asset: AssetRow, status: AssetStatus): Promise<void> {
    const episode = await summarizeEpisode(tx, asset.episodeId);
    await episodeAccess.onMediaStatus({ episodeId: asset.episodeId, assetId: asset.id, status, durationMs: asset.durationMs, episode }, tx);
  }

  /** Deletes every stored byte of these assets; rows must already be gone. */
  async function removeFiles(assets: Pick<AssetRow, 'id' | 'episodeId'>[]): Promise<void> {
    for (const asset of assets) {
      const prefixes = assetPrefixes(asset);
      await storage.deletePrefix(prefixes.hls);
      await storage.deletePrefix(prefixes.source);
    }
  }

  return {
    notify,
    removeFiles,

    /** The newest asset of an episode, for its managers (GET /episodes/:id/media). */
    async mediaForManager(caller: Caller, episodeId: string): Promise<MediaView> {
      await episodeAccess.authorizeManage(caller, episodeId);
      const asset = await latestAsset(db, episodeId);
      if (!asset) throw new AppError('NOT_FOUND', 'This episode has no video yet');
      return toMediaView(asset);
    },

    /** Signed URLs for the playing asset, bound to this viewer and episode. */
    async playback(caller: Caller, episodeId: string): Promise<PlaybackView> {
      const { resumeAtMs } = await episodeAccess.authorizePlayback(caller, episodeId);
      const [asset, placements] = await Promise.all([reads.playable(episodeId), episodeAccess.placementsFor(episodeId)]);
      if (!asset || !asset.masterPlaylist) throw new AppError('EPISODE_NOT_READY', 'This episode has no ready video yet');
      const expiresAt = new Date(clock.now().getTime() + config.media.tokenTtlSeconds * 1000);
      const parts: MediaPathParts = {
        token: signer.sign({ episodeId, viewerKey: caller.viewerKey, expiresAt }),
        expiresAtSeconds: toEpochSeconds(expiresAt),
        viewerKey: caller.viewerKey,
        episodeId,
        assetId: asset.id,
      };
      const poster = asset.posterKey ? relativeToAsset(asset, asset.posterKey) : null;
      return {
        hlsUrl: mediaFileUrl(parts, asset.masterPlaylist),
        expiresAt: new Date(parts.expiresAtSeconds * 1000).toISOString(),
        resumeAtMs,
        posterUrl: poster ? mediaFileUrl(parts, poster) : null,
        thumbnailsVttUrl: asset.sprite ? mediaFileUrl(parts, asset.sprite.vtt) : null,
        placements,
      };
    },

    async poster(caller: Caller, episodeId: string): Promise<PosterFile> {
      const visibility = await episodeAccess.authorizePoster(caller, episodeId);
      const asset = await reads.playable(episodeId);
      const stat = asset?.posterKey ? await storage.stat(asset.posterKey) : null;
      if (!asset?.posterKey || !stat) throw new AppError('NOT_FOUND', 'This episode has no poster yet');
      return { assetId: asset.id, size: stat.size, public: visibility.public, body: await storage.read(asset.posterKey) };
    },

    /** The playable asset if `assetId` is one of this episode's ready assets (for the media file route). */
    async readyAssetOf(episodeId: string, assetId: string): Promise<AssetRow | null> {
      const asset = await reads.byId(assetId);
      if (!asset || asset.episodeId !== episodeId || asset.status !== 'ready') return null;
      return asset;
    },

    /**
     * The 16-byte HLS key of a ready asset, for a caller whose entitlement holds now (checked
     * on every request, not when the token was issued). Throws NOT_FOUND / ENTITLEMENT_REQUIRED.
     */
    async decryptionKey(caller: Caller, asset: Pick<AssetRow, 'id' | 'episodeId'>): Promise<Buffer> {
      await episodeAccess.authorizeKey(caller, asset.episodeId);
      const found = await findAssetKey(db, asset.id);
      // Assets transcoded before encryption existed have no key and no EXT-X-KEY.
      if (!found) throw new AppError('NOT_FOUND', 'This video has no key');
      return found.key;
    },

    async episodeSummary(episodeId: string): Promise<EpisodeMediaSummary> {
      return summarizeEpisode(db, episodeId);
    },

    /** Storage key of the poster that plays now, for catalog views (`posterUrl`). */
    async posterKeyOf(episodeId: string): Promise<string | null> {
      return (await reads.playable(episodeId))?.posterKey ?? null;
    },

    /** Removes every asset of an episode (rows, then files), e.g. when the catalog deletes it. */
    async deleteEpisodeMedia(episodeId: string): Promise<void> {
      const removed = await db.delete(mediaAssets).where(eq(mediaAssets.episodeId, episodeId)).returning();
      await removeFiles(removed);
    },

    /** Drops one asset and its files (an abandoned or superseded upload). */
    async discardAsset(assetId: string): Promise<void> {
      const removed = await db.transaction(async (tx) => {
        const row = await deleteAsset(tx, assetId);
        if (row) await notify(tx, row, 'rejected');
        return row;
      });
      if (removed) await removeFiles([removed]);
    },
  };
}

export type MediaService = ReturnType<typeof createMediaService>;

// Flows implement the EpisodeAccess port and may import only this file of the module.
export type { EpisodeAccess, EpisodeMediaSummary, MediaStatusUpdate, PlaybackPlacement } from './ports.ts';
