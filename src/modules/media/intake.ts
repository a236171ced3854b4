import { basename, join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { DataStore, Upload } from '@tus/server';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, toProblem } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Caller } from '../../http/context.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import { MediaRejectedError, probeUpload, type ProbeResult } from '../../ffmpeg/probe.ts';
import { resolveFfmpegBinaries } from '../../ffmpeg/binaries.ts';
import { PROBLEM_CONTENT_TYPE } from '../../http/problem.ts';
import { assetPrefixes, deleteAsset, findAssetByUpload, type AssetRow } from './assets.ts';
import type { EpisodeAccess } from './ports.ts';
import { mediaAssets } from './schema.ts';
import type { MediaService } from './service.ts';

export const TRANSCODE_QUEUE = 'transcode';
export const TRANSCODE_MAX_ATTEMPTS = 4;

export interface TusHookResponse {
  status_code?: number;
  headers?: Record<string, string | number>;
  body?: string;
}

export interface IntakeDeps {
  db: Db;
  queue: Queue;
  storage: Storage;
  config: Config;
  clock: Clock;
  log: Logger;
  media: MediaService;
  episodeAccess: EpisodeAccess;
}

function sourceExtension(probe: ProbeResult): string {
  return probe.formatName.includes('matroska') ? 'mkv' : 'mp4';
}

/**
 * What happens when the last byte of an upload arrives: probe it where tus left it, then either
 * refuse it leaving nothing behind, or move it into storage and queue its transcode.
 */
export function createUploadIntake(deps: IntakeDeps) {
  const { db, queue, storage, config, clock, log, media, episodeAccess } = deps;

  async function reject(upload: Upload, datastore: DataStore, assetId: string, error: MediaRejectedError): Promise<TusHookResponse> {
    await datastore.remove(upload.id).catch((removeError: unknown) => log.warn({ err: removeError, uploadId: upload.id }, 'could not remove a rejected upload'));
    await db.transaction(async (tx) => {
      const row = await deleteAsset(tx, assetId);
      if (row) await media.notify(tx, row, 'rejected');
    });
    const problem = toProblem(new AppError('MEDIA_REJECTED', error.message, { reason: error.reason }));
    return { status_code: problem.status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(problem) };
  }

  async function probeSource(path: string): Promise<ProbeResult> {
    return probeUpload(
      path,
      { maxBytes: config.media.uploadMaxBytes, maxDurationMs: config.media.maxDurationMs },
      { binaries: resolveFfmpegBinaries({ ffmpeg: config.media.ffmpegPath, ffprobe: config.media.ffprobePath }) },
    );
  }

  /** Moves a probed source into storage and queues its transcode; false if the asset moved on meanwhile. */
  async function queueTranscode(asset: AssetRow, path: string, probe: ProbeResult): Promise<boolean> {
    const sourceKey = `${assetPrefixes(asset).source}source.${sourceExtension(probe)}`;
    await storage.putFile(sourceKey, path);
    const queued = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(mediaAssets)
        .set({
          status: 'queued',
          progress: 0,
          sourceKey,
          sourceBytes: probe.sizeBytes,
          width: probe.displayWidth,
          height: probe.displayHeight,
          durationMs: probe.durationMs,
          updatedAt: clock.now(),
        })
        .where(and(eq(mediaAssets.id, asset.id), eq(mediaAssets.status, 'uploading')))
        .returning();
      if (!row) return null;
      await queue.enqueue(TRANSCODE_QUEUE, { assetId: row.id }, { tx, dedupeKey: `transcode:${row.id}`, maxAttempts: TRANSCODE_MAX_ATTEMPTS });
      await media.notify(tx, row, 'queued');
      return row;
    });
    if (!queued) {
      await storage.deletePrefix(assetPrefixes(asset).source);
      return false;
    }
    log.info({ assetId: asset.id, episodeId: asset.episodeId, durationMs: probe.durationMs }, 'source accepted; transcode queued');
    return true;
  }

  return {
    async finish(upload: Upload, datastore: DataStore): Promise<TusHookResponse> {
      const asset = await findAssetByUpload(db, upload.id);
      // Already taken over by an earlier finish (a repeated empty PATCH), or discarded.
      if (!asset || asset.status !== 'uploading') return {};
      const path = upload.storage?.path ?? join(config.dataDir, 'uploads', upload.id);

      let probe: ProbeResult;
      try {
        probe = await probeSource(path);
      } catch (error) {
        if (error instanceof MediaRejectedError) {
          log.info({ assetId: asset.id, reason: error.reason }, 'upload rejected');
          return reject(upload, datastore, asset.id, error);
        }
        throw error;
      }
      if (!(await queueTranscode(asset, path, probe))) return {};
      // Only now: until the row says queued, the finished upload is the one copy of the video.
      await datastore.remove(upload.id).catch((error: unknown) => log.warn({ err: error, uploadId: upload.id }, 'could not remove a finished upload'));
      return {};
    },

    /**
     * A video already on this machine (the demo seed, an import), taken through the same checks
     * and queue as an upload. The file at `path` is left where it is.
     */
    async ingestLocalFile(caller: Caller, episodeId: string, path: string): Promise<string> {
      if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
      const { fit } = await episodeAccess.authorizeUpload(caller, episodeId);
      const now = clock.now();
      const asset = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(mediaAssets)
          .values({ id: newId('asset'), episodeId, uploaderId: caller.userId ?? '', status: 'uploading', fit, originalFilename: basename(path), createdAt: now, updatedAt: now })
          .returning();
        if (!row) throw new AppError('INTERNAL', 'asset insert returned nothing');
        await media.notify(tx, row, 'uploading');
        return row;
      });
      try {
        const probe = await probeSource(path);
        await queueTranscode(asset, path, probe);
      } catch (error) {
        await media.discardAsset(asset.id);
        if (error instanceof MediaRejectedError) throw new AppError('MEDIA_REJECTED', error.message, { reason: error.reason });
        throw error;
      }
      return asset.id;
    },
  };
}

export type UploadIntake = ReturnType<typeof createUploadIntake>;
