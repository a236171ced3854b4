import { readFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { jobs } from '../../src/drivers/queue/schema.ts';
import { createHmacSigner, mediaFileUrl, toEpochSeconds } from '../../src/drivers/signing/index.ts';
import { mediaAssets } from '../../src/modules/media/schema.ts';
import { decodeVideo, testClip } from './support/clip.ts';
import { MEDIA_SECRET, startMediaHarness, waitFor, type MediaHarness } from './support/harness.ts';
import { uploadWhole } from './support/tus.ts';

describe('media: the transcode job survives a worker stop and reports a bad source', () => {
  let h: MediaHarness;

  beforeAll(async () => {
    // No worker yet: the test decides when the job runs and when its worker goes away.
    h = await startMediaHarness({ worker: false });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('stops mid-transcode, hands the job back, and a new queue instance takes it to ready', async () => {
    const creator = h.addUser('creator');
    const episode = h.access.addEpisode(creator.id, { published: true });
    const clip = await readFile(await testClip());
    await uploadWhole({ endpoint: `${h.baseUrl}/api/v1/uploads`, file: clip, headers: creator.headers, metadata: { episodeId: episode.id } });
    const [asset] = await h.database.db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episode.id));
    expect(asset?.status).toBe('queued');
    const [job] = await h.database.db.select().from(jobs);
    expect(job).toMatchObject({ queue: 'transcode', status: 'queued', payload: { assetId: asset?.id } });

    const first = h.startWorker('worker-that-stops');
    await waitFor(
      'ffmpeg to be under way',
      async () => {
        const [row] = await h.database.db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episode.id));
        if (row?.status === 'ready') throw new Error('the transcode finished before the worker could be stopped');
        return row?.status === 'transcoding' && row.progress > 0 ? row : undefined;
      },
      60_000,
      25,
    );
    const stoppedAt = Date.now();
    await first.stop(10_000);
    // The running ffmpeg was aborted promptly, not waited for.
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);

    const [afterStop] = await h.database.db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episode.id));
    expect(afterStop?.status).toBe('transcoding');
    expect(afterStop?.failureReason).toBeNull();
    const [released] = await h.database.db.select().from(jobs);
    expect(released?.status).toBe('queued');

    const takeover = h.startWorker('worker-that-takes-over');
    const ready = await waitFor('the asset to be ready', async () => {
      const [row] = await h.database.db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episode.id));
      if (row?.status === 'failed') throw new Error(`transcode failed: ${row.failureReason ?? ''}`);
      return row?.status === 'ready' ? row : undefined;
    });
    expect(ready.progress).toBe(100);
    await waitFor('the job to be done', async () => {
      const [row] = await h.database.db.select().from(jobs);
      return row?.status === 'done' ? row : undefined;
    });

    // The folder is whole: every playlist's segments exist and decode.
    const files = await h.listDataFiles();
    const folder = `media/hls/${episode.id}/${ready.id}/`;
    expect(files).toContain(`${folder}master.m3u8`);
    // Segments are encrypted and the key ("../key") is answered only by the media route: decode over HTTP.
    const device = newId('device');
    const expiresAt = new Date(Date.now() + 600_000);
    const token = createHmacSigner(MEDIA_SECRET).sign({ episodeId: episode.id, viewerKey: device, expiresAt });
    const parts = { token, expiresAtSeconds: toEpochSeconds(expiresAt), viewerKey: device, episodeId: episode.id, assetId: ready.id };
    for (const rendition of ready.renditions) {
      const local = `${h.config.mediaDir}/hls/${episode.id}/${ready.id}/${rendition.playlist}`;
      const decoded = await decodeVideo(`${h.baseUrl}${mediaFileUrl(parts, rendition.playlist)}`, `X-Test-Device: ${device}\r\n`);
      expect(decoded.frames).toBeGreaterThan(150);
      const playlist = await readFile(local, 'utf8');
      const segments = playlist.split('\n').filter((line) => line && !line.startsWith('#'));
      const dir = rendition.playlist.slice(0, rendition.playlist.lastIndexOf('/') + 1);
      const stored = files.filter((f) => f.startsWith(`${folder}${dir}`) && f.endsWith('.ts'));
      expect(stored.sort()).toEqual(segments.map((s) => `${folder}${dir}${s}`).sort());
    }
    await takeover.stop();
  });

  it('marks the asset failed with the reason when its source cannot be transcoded, and says so to the catalog', async () => {
    const creator = h.addUser('creator');
    const episode = h.access.addEpisode(creator.id);
    const clip = await readFile(await testClip());
    await uploadWhole({ endpoint: `${h.baseUrl}/api/v1/uploads`, file: clip, headers: creator.headers, metadata: { episodeId: episode.id } });
    const [asset] = await h.database.db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episode.id));
    // The stored source goes bad between upload and transcode (disk corruption, a bad copy).
    await h.storage.putBuffer(asset?.sourceKey ?? '', Buffer.from('no longer a video'));
    h.startWorker('worker-for-a-bad-source');

    const failed = await waitFor('the asset to fail', async () => {
      const [row] = await h.database.db.select().from(mediaAssets).where(eq(mediaAssets.id, asset?.id ?? ''));
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.failureReason).toMatch(/not a video/i);
    expect(failed.failureReason).not.toMatch(/ds-transcode-/);
    const [job] = await h.database.db.select().from(jobs).where(eq(jobs.id, await jobIdFor(asset?.id ?? '')));
    // Refused sources are not retried.
    expect(job).toMatchObject({ status: 'dead', attempts: 1 });
    const last = h.access.updates.filter((u) => u.episodeId === episode.id).at(-1);
    expect(last).toMatchObject({ status: 'failed', episode: { mediaStatus: 'failed', mediaAssetId: null } });

    const media = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/media`, headers: creator.headers });
    expect(media.json()).toMatchObject({ status: 'failed', failureReason: failed.failureReason });
  });

  async function jobIdFor(assetId: string): Promise<string> {
    const rows = await h.database.db.select().from(jobs);
    const job = rows.find((row) => row.payload.assetId === assetId);
    if (!job) throw new Error(`no job for ${assetId}`);
    return job.id;
  }
});
