import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import { PermanentJobError, type JobContext, type Queue } from '../../drivers/queue/port.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import { resolveFfmpegBinaries } from '../../ffmpeg/binaries.ts';
import { MediaRejectedError } from '../../ffmpeg/errors.ts';
import { planLadder } from '../../ffmpeg/ladder.ts';
import { transcodeEpisode, type TranscodeResult } from '../../ffmpeg/transcode.ts';
import { assetPrefixes, deleteOlderAssets, findAsset, newerReadyExists, type AssetRow } from './assets.ts';
import { TRANSCODE_QUEUE } from './intake.ts';
import { ensureAssetKey, KEY_URI } from './keys.ts';
import { mediaAssets, type AssetStatus } from './schema.ts';
import type { MediaService } from './service.ts';

export interface TranscodeJobDeps {
  db: Db;
  storage: Storage;
  config: Config;
  clock: Clock;
  log: Logger;
  media: MediaService;
}

const MAX_REASON_LENGTH = 500;
/** Progress rows are written at most this often; the job lease is renewed with each. */
const PROGRESS_INTERVAL_MS = 1000;

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // ffmpeg's stderr tail names our temp paths; the studio needs the cause, not our layout.
  return message.replace(/\/[^\s:'"]*\/(ds-transcode-[^\s/]+)[^\s:'"]*/g, '<file>').slice(0, MAX_REASON_LENGTH);
}

/**
 * The `transcode` job: source → HLS ladder (AES-128 encrypted with the asset's key), poster,
 * sprite, scene cuts. Each attempt starts
 * from nothing (a fresh temp folder, the asset's HLS folder emptied), so a retry or a takeover
 * after a crash produces the same result as a first run.
 */
export function createTranscodeJob(deps: TranscodeJobDeps) {
  const { db, storage, config, clock, log, media } = deps;

  async function transition(assetId: string, from: AssetStatus[], patch: Partial<typeof mediaAssets.$inferInsert> & { status: AssetStatus }): Promise<AssetRow | null> {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .update(mediaAssets)
        .set({ ...patch, updatedAt: clock.now() })
        .where(and(eq(mediaAssets.id, assetId), inArray(mediaAssets.status, from)))
        .returning();
      if (row) await media.notify(tx, row, patch.status);
      return row ?? null;
    });
  }

  function progressWriter(asset: AssetRow, ctx: JobContext) {
    let lastWrite = 0;
    let lastPercent = -1;
    let pending: Promise<void> = Promise.resolve();
    return {
      report(percent: number): void {
        const now = Date.now();
        if (percent === lastPercent || (now - lastWrite < PROGRESS_INTERVAL_MS && percent < 100)) return;
        lastWrite = now;
        lastPercent = percent;
        pending = pending
          .then(async () => {
            await db
              .update(mediaAssets)
              .set({ progress: percent, updatedAt: clock.now() })
              .where(and(eq(mediaAssets.id, asset.id), eq(mediaAssets.status, 'transcoding')));
            await ctx.reportProgress(percent);
          })
          .catch((error: unknown) => log.warn({ err: error, assetId: asset.id }, 'could not record transcode progress'));
      },
      flush: () => pending,
    };
  }

  async function publish(asset: AssetRow, result: TranscodeResult, outDir: string): Promise<AssetRow | null> {
    const folder = assetPrefixes(asset).hls;
    // A crashed attempt may have published part of a folder: start it over.
    await storage.deletePrefix(folder);
    await storage.putDirectory(folder, outDir);
    const outcome = await db.transaction(async (tx) => {
      if (await newerReadyExists(tx, asset)) {
        const [gone] = await tx.delete(mediaAssets).where(eq(mediaAssets.id, asset.id)).returning();
        if (gone) await media.notify(tx, gone, 'rejected');
        return { ready: null, superseded: gone ? [gone] : [] };
      }
      const [ready] = await tx
        .update(mediaAssets)
        .set({
          status: 'ready',
          progress: 100,
          failureReason: null,
          durationMs: result.durationMs,
          masterPlaylist: result.masterPlaylist,
          renditions: result.renditions.map(({ name, width, height, bandwidth, codecs, playlist }) => ({ name, width, height, bandwidth, codecs, playlist })),
          sceneCutsMs: result.sceneCutsMs,
          posterKey: `${folder}${result.poster}`,
          sprite: result.sprite,
          updatedAt: clock.now(),
          readyAt: clock.now(),
        })
        .where(and(eq(mediaAssets.id, asset.id), eq(mediaAssets.status, 'transcoding')))
        .returning();
      if (!ready) return { ready: null, superseded: [] };
      const older = await deleteOlderAssets(tx, ready);
      await media.notify(tx, ready, 'ready');
      return { ready, superseded: older };
    });
    if (!outcome.ready && outcome.superseded.length === 0) {
      // The asset was deleted while we worked: what we just published belongs to no one.
      await storage.deletePrefix(folder);
    }
    await media.removeFiles(outcome.superseded);
    return outcome.ready;
  }

  async function run(payload: Record<string, unknown>, ctx: JobContext): Promise<void> {
    const assetId = payload.assetId;
    if (typeof assetId !== 'string') throw new PermanentJobError('transcode job without an assetId');
    const found = await findAsset(db, assetId);
    // Deleted (superseded, episode removed) or already done by an earlier run: nothing to do.
    if (!found || found.status === 'ready') return;
    if (!found.sourceKey) throw new PermanentJobError(`asset ${assetId} has no source`);
    const asset = await transition(assetId, ['queued', 'transcoding', 'failed'], { status: 'transcoding', progress: 0, failureReason: null });
    if (!asset?.sourceKey) return;

    const workDir = await mkdtemp(join(tmpdir(), 'ds-transcode-'));
    const progress = progressWriter(asset, ctx);
    try {
      const input = join(workDir, `source${asset.sourceKey.slice(asset.sourceKey.lastIndexOf('.'))}`);
      await storage.downloadTo(asset.sourceKey, input);
      ctx.signal.throwIfAborted();
      const outDir = join(workDir, 'out');
      // Every asset is encrypted, free ones too: a producer may price an episode after it is transcoded.
      const { key, iv } = await ensureAssetKey(db, asset);
      const result = await transcodeEpisode({
        input,
        outDir,
        fit: asset.fit,
        rungs: planLadder({ width: asset.width ?? 0, height: asset.height ?? 0 }, asset.fit),
        sourceDurationMs: asset.durationMs ?? 0,
        threads: config.media.transcodeThreads,
        signal: ctx.signal,
        onProgress: (percent) => progress.report(percent),
        encryption: { keyUri: KEY_URI, keyHex: key.toString('hex'), ivHex: iv.toString('hex') },
        binaries: resolveFfmpegBinaries({ ffmpeg: config.media.ffmpegPath, ffprobe: config.media.ffprobePath }),
      });
      await progress.flush();
      ctx.signal.throwIfAborted();
      const ready = await publish(asset, result, outDir);
      if (ready) log.info({ assetId, episodeId: asset.episodeId, durationMs: ready.durationMs }, 'transcode finished');
    } catch (error) {
      await progress.flush();
      // Stopping hands the job back to the queue: the next worker starts it over.
      if (ctx.signal.aborted) throw error;
      // A source ffprobe refuses now will be refused on every retry.
      const permanent = error instanceof PermanentJobError || error instanceof MediaRejectedError;
      if (permanent || ctx.job.attempts >= ctx.job.maxAttempts) {
        await transition(assetId, ['transcoding'], { status: 'failed', failureReason: reasonOf(error) });
      } else {
        await transition(assetId, ['transcoding'], { status: 'queued', progress: 0, failureReason: null });
      }
      throw error instanceof MediaRejectedError ? new PermanentJobError(error.message) : error;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  return {
    register(queue: Queue): void {
      queue.work(TRANSCODE_QUEUE, run, { concurrency: 1 });
    },
  };
}
