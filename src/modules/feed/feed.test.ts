import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';

interface FeedBody {
  items: { series: { id: string }; episode: { id: string; number: number }; resumeAtMs: number }[];
  nextCursor: string | null;
}

describe('feed and viewing', () => {
  let t: TestPlatform;
  let creator: TestClient;
  const seriesIds: string[] = [];
  const episodesBySeries = new Map<string, string[]>();

  beforeAll(async () => {
    t = await startTestPlatform();
    creator = await new TestClient(t.app).signUp('creator');
    for (let s = 0; s < 3; s++) {
      const series = (await creator.post('/api/v1/series', { title: `Series ${s}` })).json<{ id: string }>();
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) {
        const ep = (await creator.post(`/api/v1/series/${series.id}/episodes`, { number: n, title: `E${n}`, priceCoins: n > 2 ? 50 : 0 })).json<{ id: string }>();
        await t.platform.modules.catalog.service.setEpisodeMedia(ep.id, { status: 'ready', assetId: `ast_${n}`, durationMs: 30_000 });
        await creator.post(`/api/v1/episodes/${ep.id}/publish`);
        ids.push(ep.id);
      }
      await creator.post(`/api/v1/series/${series.id}/publish`);
      seriesIds.push(series.id);
      episodesBySeries.set(series.id, ids);
    }
    // An unpublished series never shows up.
    await creator.post('/api/v1/series', { title: 'Hidden draft' });
  });
  afterAll(async () => t.close());

  it('lists published series newest first with cursor pagination and no repeats', async () => {
    const viewer = new TestClient(t.app);
    const first = (await viewer.get('/api/v1/feed?limit=2')).json<FeedBody>();
    expect(first.items.map((i) => i.series.id)).toEqual([seriesIds[2], seriesIds[1]]);
    expect(first.items.every((i) => i.episode.number === 1 && i.resumeAtMs === 0)).toBe(true);
    expect(first.nextCursor).not.toBeNull();
    const second = (await viewer.get(`/api/v1/feed?limit=2&cursor=${first.nextCursor}`)).json<FeedBody>();
    expect(second.items.map((i) => i.series.id)).toEqual([seriesIds[0]]);
    expect(second.nextCursor).toBeNull();
    const bad = await viewer.get('/api/v1/feed?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
  });

  it('round-trips the resume position for an anonymous device and a signed-in user', async () => {
    const seriesId = seriesIds[0] ?? '';
    const [ep1, ep2] = episodesBySeries.get(seriesId) ?? [];
    const anonymous = new TestClient(t.app);
    await anonymous.get('/api/v1/feed');
    expect((await anonymous.put(`/api/v1/episodes/${ep1}/progress`, { positionMs: 12_345 })).statusCode).toBe(204);
    const feed = (await anonymous.get('/api/v1/feed?limit=10')).json<FeedBody>();
    const entry = feed.items.find((i) => i.series.id === seriesId);
    expect(entry?.episode.id).toBe(ep1);
    expect(entry?.resumeAtMs).toBe(12_345);
    // Someone else's device does not see it.
    const stranger = (await new TestClient(t.app).get('/api/v1/feed?limit=10')).json<FeedBody>();
    expect(stranger.items.find((i) => i.series.id === seriesId)?.resumeAtMs).toBe(0);

    const viewer = await new TestClient(t.app).signUp('viewer');
    await viewer.put(`/api/v1/episodes/${ep1}/progress`, { positionMs: 29_000, durationMs: 30_000 });
    await viewer.put(`/api/v1/episodes/${ep2}/progress`, { positionMs: 7_500 });
    const cont = (await viewer.get('/api/v1/me/continue')).json<{ items: { episode: { id: string }; positionMs: number }[] }>();
    expect(cont.items[0]).toMatchObject({ episode: { id: ep2 }, positionMs: 7_500 });
    const history = (await viewer.get('/api/v1/me/history')).json<{ items: { episode: { id: string }; completed: boolean }[] }>();
    expect(history.items.map((h) => [h.episode.id, h.completed])).toEqual([
      [ep2, false],
      [ep1, true],
    ]);
  });

  it('points continue-watching at the next episode once one is finished', async () => {
    const seriesId = seriesIds[1] ?? '';
    const [ep1, ep2] = episodesBySeries.get(seriesId) ?? [];
    const viewer = await new TestClient(t.app).signUp('viewer');
    await viewer.put(`/api/v1/episodes/${ep1}/progress`, { positionMs: 30_000 });
    const cont = (await viewer.get('/api/v1/me/continue')).json<{ items: { episode: { id: string }; positionMs: number }[] }>();
    expect(cont.items[0]).toMatchObject({ episode: { id: ep2 }, positionMs: 0 });
    const feed = (await viewer.get('/api/v1/feed')).json<FeedBody>();
    expect(feed.items.find((i) => i.series.id === seriesId)?.episode.id).toBe(ep2);
  });

  it('refuses progress on an unknown episode and keeps positions non-negative integers', async () => {
    const viewer = new TestClient(t.app);
    expect((await viewer.put('/api/v1/episodes/ep_nope/progress', { positionMs: 10 })).statusCode).toBe(404);
    const ep = episodesBySeries.get(seriesIds[0] ?? '')?.[0];
    expect((await viewer.put(`/api/v1/episodes/${ep}/progress`, { positionMs: -5 })).statusCode).toBe(400);
    expect((await viewer.put(`/api/v1/episodes/${ep}/progress`, { positionMs: 1.5 })).statusCode).toBe(400);
  });

  it('follows and unfollows a series (signed-in only)', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const seriesId = seriesIds[2] ?? '';
    expect((await new TestClient(t.app).put(`/api/v1/series/${seriesId}/follow`)).statusCode).toBe(401);
    expect((await viewer.put(`/api/v1/series/${seriesId}/follow`)).statusCode).toBe(204);
    expect((await viewer.put(`/api/v1/series/${seriesId}/follow`)).statusCode).toBe(204);
    expect((await viewer.get('/api/v1/me/follows')).json<{ items: { id: string }[] }>().items.map((s) => s.id)).toEqual([seriesId]);
    expect((await viewer.delete(`/api/v1/series/${seriesId}/follow`)).statusCode).toBe(204);
    expect((await viewer.get('/api/v1/me/follows')).json<{ items: unknown[] }>().items).toEqual([]);
  });
});
