import { readFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWorkers } from '../../src/app.ts';
import { series as seriesTable } from '../../src/modules/catalog/schema.ts';
import { seedDemoContent } from '../../src/seed/demo.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { decodeVideo, testClip } from '../media/support/clip.ts';
import { waitFor } from '../media/support/harness.ts';
import { startTusUpload, TusFailure } from '../media/support/tus.ts';

interface Playback {
  hlsUrl: string;
  expiresAt: string;
  resumeAtMs: number;
  posterUrl: string | null;
  thumbnailsVttUrl: string | null;
}

/**
 * The whole drama stream through the real platform (every module, the real queue and worker,
 * real ffmpeg) over real HTTP: a producer uploads with tus, the worker transcodes, a viewer plays.
 */
describe('drama stream end to end', () => {
  let t: TestPlatform;
  let base: string;
  let producer: TestClient;
  let seriesId: string;
  let episodeId: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    registerWorkers(t.platform);
    t.platform.drivers.queue.start();
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = address;
    producer = await new TestClient(t.app).signUp('creator');
    seriesId = (await producer.post('/api/v1/series', { title: '测试短剧', synopsis: 'An e2e drama' })).json<{ id: string }>().id;
    episodeId = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: 1, title: 'Pilot', priceCoins: 0 })).json<{ id: string }>().id;
  });
  afterAll(async () => t.close());

  function producerHeaders(): Record<string, string> {
    return { cookie: producer.cookieHeader(), 'x-csrf-token': producer.csrfToken ?? '' };
  }

  it('refuses an upload to another studio’s episode before any byte is stored', async () => {
    const intruder = await new TestClient(t.app).signUp('creator');
    const run = startTusUpload({
      endpoint: `${base}/api/v1/uploads`,
      file: Buffer.alloc(1024),
      headers: { cookie: intruder.cookieHeader(), 'x-csrf-token': intruder.csrfToken ?? '' },
      metadata: { episodeId, filename: 'x.mp4' },
    });
    const failure = await run.done.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TusFailure);
    expect([403, 404]).toContain((failure as TusFailure).status);
    expect((await producer.get(`/api/v1/episodes/${episodeId}/media`)).statusCode).toBe(404);
  });

  it('uploads in chunks with an interruption, resumes, transcodes, publishes and plays with a signed token', async () => {
    const file = await readFile(await testClip());
    const chunkSize = 64 * 1024;
    const first = startTusUpload({
      endpoint: `${base}/api/v1/uploads`,
      file,
      chunkSize,
      headers: producerHeaders(),
      metadata: { episodeId, filename: 'pilot.mp4' },
      onChunk: (_accepted, run) => void run.upload.abort(),
    });
    await waitFor('the first chunk', async () => (first.accepted.length > 0 ? true : undefined), 30_000, 20);
    const uploadUrl = first.upload.url;
    expect(uploadUrl).toBeTruthy();
    const head = await fetch(uploadUrl ?? '', { method: 'HEAD', headers: { ...producerHeaders(), 'tus-resumable': '1.0.0' } });
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBe(chunkSize);

    const resumed = startTusUpload({ endpoint: `${base}/api/v1/uploads`, uploadUrl: uploadUrl ?? '', file, chunkSize, headers: producerHeaders() });
    await resumed.done;
    expect(resumed.accepted[0]).toBeGreaterThan(offset);

    const media = await waitFor(
      'the transcode',
      async () => {
        const view = (await producer.get(`/api/v1/episodes/${episodeId}/media`)).json<{ status: string; progress: number; renditions: unknown[]; sceneCutsMs: number[] }>();
        if (view.status === 'failed') throw new Error('transcode failed');
        return view.status === 'ready' ? view : undefined;
      },
      120_000,
      250,
    );
    expect(media.progress).toBe(100);
    expect(media.renditions.length).toBeGreaterThanOrEqual(1);

    const episode = (await producer.post(`/api/v1/episodes/${episodeId}/publish`)).json<{ status: string; durationMs: number }>();
    expect(episode.status).toBe('published');
    expect(episode.durationMs).toBeGreaterThan(5000);
    await producer.post(`/api/v1/series/${seriesId}/publish`);

    // A viewer finds it in the feed and plays it.
    const viewer = await new TestClient(t.app).signUp('viewer');
    const feed = (await viewer.get('/api/v1/feed')).json<{ items: { episode: { id: string } }[] }>();
    expect(feed.items.map((i) => i.episode.id)).toContain(episodeId);
    const playback = (await viewer.get(`/api/v1/episodes/${episodeId}/playback`)).json<Playback>();
    expect(new Date(playback.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const decoded = await decodeVideo(`${base}${playback.hlsUrl}`, `Cookie: ${viewer.cookieHeader()}\r\n`);
    expect(decoded.frames).toBeGreaterThan(100);
    expect(decoded.width / decoded.height).toBeCloseTo(9 / 16, 2);

    // No token, another viewer, another episode's path: 403.
    const master = playback.hlsUrl;
    const [, , token, expires, viewerKey] = master.split('/');
    const stranger = new TestClient(t.app);
    await stranger.get('/api/v1/auth/me');
    expect((await stranger.get(master)).statusCode).toBe(403);
    expect((await viewer.get(master.replace(`/${token}/`, '/AAAAAAAAAAAAAAAAAAAAAA/'))).statusCode).toBe(403);
    expect((await viewer.get(master.replace(`/${expires}/`, `/${Number(expires) + 3600}/`))).statusCode).toBe(403);
    expect((await viewer.get(master.replace(episodeId, 'ep_01aaaaaaaaaaaaaaaaaaaaaaaa'))).statusCode).toBe(403);
    expect(viewerKey).toBe(viewer.userId);
    expect((await viewer.get(master)).statusCode).toBe(200);

    // The resume position round-trips into the next playback.
    expect((await viewer.put(`/api/v1/episodes/${episodeId}/progress`, { positionMs: 1234 })).statusCode).toBe(204);
    expect((await viewer.get(`/api/v1/episodes/${episodeId}/playback`)).json<Playback>().resumeAtMs).toBe(1234);
  });

  it('answers ENTITLEMENT_REQUIRED with the price for a priced episode', async () => {
    const paid = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: 2, title: 'Paid', priceCoins: 60 })).json<{ id: string }>();
    await t.platform.modules.catalog.service.setEpisodeMedia(paid.id, { status: 'ready', assetId: 'ast_x', durationMs: 6000 });
    await producer.post(`/api/v1/episodes/${paid.id}/publish`);
    const response = await new TestClient(t.app).get(`/api/v1/episodes/${paid.id}/playback`);
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json<{ code: string; priceCoins: number }>()).toMatchObject({ code: 'ENTITLEMENT_REQUIRED', priceCoins: 60 });
  });

  it('seeds demo content that the worker turns into playable, published, attributed episodes', async () => {
    const { seriesIds } = await seedDemoContent(t.platform, { seriesCount: 1, episodesPerSeries: 1, episodeSeconds: 6 });
    const demoSeries = seriesIds[0] ?? '';
    const viewer = new TestClient(t.app);
    const series = await waitFor(
      'the first demo episode',
      async () => {
        const view = (await viewer.get(`/api/v1/series/${demoSeries}`)).json<{ title: string; attribution: string; episodes: { id: string; mediaStatus: string }[] }>();
        return view.episodes[0]?.mediaStatus === 'ready' ? view : undefined;
      },
      120_000,
      500,
    );
    expect(series.title).toBe('河神娶妻');
    expect(series.attribution).toContain('CC BY-SA 4.0');
    const playback = await viewer.get(`/api/v1/episodes/${series.episodes[0]?.id}/playback`);
    expect(playback.statusCode).toBe(200);
    // Running it again changes nothing, not even pricing the producer changed since.
    await t.platform.drivers.database.db.update(seriesTable).set({ freeEpisodes: 7 }).where(eq(seriesTable.id, demoSeries));
    await seedDemoContent(t.platform, { seriesCount: 1, episodesPerSeries: 1, episodeSeconds: 6 });
    const again = (await viewer.get(`/api/v1/series/${demoSeries}`)).json<{ episodes: unknown[]; freeEpisodes: number }>();
    expect(again.episodes).toHaveLength(1);
    expect(again.freeEpisodes).toBe(7);
  });
});
