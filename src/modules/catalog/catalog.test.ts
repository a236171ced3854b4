import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';

interface SeriesBody {
  id: string;
  status: string;
  episodeCount: number;
  freeEpisodeCount: number;
  coverUrl: string | null;
  episodes: { id: string; number: number; free: boolean; status: string }[];
}

const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('catalog', () => {
  let t: TestPlatform;
  let creator: TestClient;
  beforeAll(async () => {
    t = await startTestPlatform();
    creator = await new TestClient(t.app).signUp('creator');
  });
  afterAll(async () => t.close());

  async function readyEpisode(episodeId: string) {
    await t.platform.modules.catalog.service.setEpisodeMedia(episodeId, { status: 'ready', assetId: 'ast_test', durationMs: 30_000 });
  }

  it('creates a series with prefixed time-ordered ids, adds episodes and publishes them', async () => {
    const created = await creator.post('/api/v1/series', { title: '闪婚后，豪门老公宠上天', synopsis: 'A contract marriage.', tags: ['romance'], language: 'zh-CN' });
    expect(created.statusCode).toBe(201);
    const series = created.json<SeriesBody>();
    expect(series.id).toMatch(/^ser_/);
    expect(series.status).toBe('draft');

    const ep1 = (await creator.post(`/api/v1/series/${series.id}/episodes`, { number: 1, title: 'The contract', priceCoins: 0 })).json<{ id: string; free: boolean }>();
    const ep2 = (await creator.post(`/api/v1/series/${series.id}/episodes`, { number: 2, title: 'The wedding', priceCoins: 60 })).json<{ id: string; free: boolean }>();
    expect(ep1.id).toMatch(/^ep_/);
    expect(ep1.id < ep2.id).toBe(true);
    expect(ep1.free).toBe(true);
    expect(ep2.free).toBe(false);

    const taken = await creator.post(`/api/v1/series/${series.id}/episodes`, { number: 1, title: 'Again', priceCoins: 0 });
    expect(taken.statusCode).toBe(409);
    expect(taken.json<{ code: string }>().code).toBe('EPISODE_NUMBER_TAKEN');

    const notReady = await creator.post(`/api/v1/episodes/${ep1.id}/publish`);
    expect(notReady.statusCode).toBe(409);
    expect(notReady.json<{ code: string }>().code).toBe('EPISODE_NOT_READY');

    await readyEpisode(ep1.id);
    expect((await creator.post(`/api/v1/episodes/${ep1.id}/publish`)).statusCode).toBe(200);
    expect((await creator.post(`/api/v1/series/${series.id}/publish`)).statusCode).toBe(200);

    const anonymous = new TestClient(t.app);
    const publicView = (await anonymous.get(`/api/v1/series/${series.id}`)).json<SeriesBody>();
    expect(publicView.episodes.map((e) => e.number)).toEqual([1]);
    expect(publicView.episodeCount).toBe(1);
    expect(publicView.freeEpisodeCount).toBe(1);
    expect((await anonymous.get(`/api/v1/episodes/${ep2.id}`)).statusCode).toBe(404);
    const ownerView = (await creator.get(`/api/v1/series/${series.id}`)).json<SeriesBody>();
    expect(ownerView.episodes.map((e) => e.number)).toEqual([1, 2]);
  });

  it('rejects bad input with VALIDATION_FAILED: fractional or negative prices, empty titles', async () => {
    const series = (await creator.post('/api/v1/series', { title: 'Validation' })).json<SeriesBody>();
    for (const body of [
      { number: 1, title: 'x', priceCoins: 1.5 },
      { number: 1, title: 'x', priceCoins: -1 },
      { number: 0, title: 'x', priceCoins: 0 },
      { number: 1, title: '', priceCoins: 0 },
      { number: 1, title: 'x', priceCoins: '10' },
    ]) {
      const response = await creator.post(`/api/v1/series/${series.id}/episodes`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    }
    expect((await creator.get(`/api/v1/series/${series.id}`)).json<SeriesBody>().episodes).toHaveLength(0);
  });

  it('stores a cover image and refuses a file that only claims to be one', async () => {
    const series = (await creator.post('/api/v1/series', { title: 'Covered' })).json<SeriesBody>();
    const fake = await creator.request('PUT', `/api/v1/series/${series.id}/cover`, undefined, { 'content-type': 'image/png' });
    expect(fake.statusCode).toBeGreaterThanOrEqual(400);
    const notPng = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/series/${series.id}/cover`,
      headers: { cookie: creator.cookieHeader(), 'x-csrf-token': creator.csrfToken ?? '', 'content-type': 'image/png' },
      payload: Buffer.from('<svg onload=alert(1)>'),
    });
    expect(notPng.json<{ code: string }>().code).toBe('UNSUPPORTED_MEDIA');
    const ok = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/series/${series.id}/cover`,
      headers: { cookie: creator.cookieHeader(), 'x-csrf-token': creator.csrfToken ?? '', 'content-type': 'image/png' },
      payload: PNG_1PX,
    });
    expect(ok.statusCode).toBe(200);
    const coverUrl = ok.json<SeriesBody>().coverUrl;
    expect(coverUrl).toMatch(new RegExp(`^/api/v1/series/${series.id}/cover`));
    const image = await creator.get(coverUrl ?? '');
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.equals(PNG_1PX)).toBe(true);
    // A draft's cover is not public.
    expect((await new TestClient(t.app).get(coverUrl ?? '')).statusCode).toBe(404);
  });

  it("never lets creator B read drafts of, edit or publish creator A's series (every creator route)", async () => {
    const a = creator;
    const b = await new TestClient(t.app).signUp('creator');
    const draft = (await a.post('/api/v1/series', { title: 'A draft' })).json<SeriesBody>();
    const draftEpisode = (await a.post(`/api/v1/series/${draft.id}/episodes`, { number: 1, title: 'e1', priceCoins: 0 })).json<{ id: string }>();
    await readyEpisode(draftEpisode.id);
    const attempts = [
      () => b.get(`/api/v1/series/${draft.id}`),
      () => b.patch(`/api/v1/series/${draft.id}`, { title: 'stolen' }),
      () => b.post(`/api/v1/series/${draft.id}/publish`),
      () => b.post(`/api/v1/series/${draft.id}/episodes`, { number: 2, title: 'x', priceCoins: 0 }),
      () => b.get(`/api/v1/episodes/${draftEpisode.id}`),
      () => b.patch(`/api/v1/episodes/${draftEpisode.id}`, { title: 'stolen' }),
      () => b.post(`/api/v1/episodes/${draftEpisode.id}/publish`),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      expect([403, 404]).toContain(response.statusCode);
    }
    const listed = (await b.get('/api/v1/studio/series')).json<{ items: { id: string }[] }>().items;
    expect(listed.map((s) => s.id)).not.toContain(draft.id);

    // On a published series B gets 403 on writes, and still changes nothing.
    await a.post(`/api/v1/episodes/${draftEpisode.id}/publish`);
    await a.post(`/api/v1/series/${draft.id}/publish`);
    expect((await b.patch(`/api/v1/series/${draft.id}`, { title: 'stolen' })).statusCode).toBe(403);
    expect((await b.patch(`/api/v1/episodes/${draftEpisode.id}`, { priceCoins: 999 })).statusCode).toBe(403);
    const after = (await a.get(`/api/v1/series/${draft.id}`)).json<SeriesBody & { title: string }>();
    expect(after.title).toBe('A draft');

    // A viewer is not a creator at all.
    const viewer = await new TestClient(t.app).signUp('viewer');
    expect((await viewer.post('/api/v1/series', { title: 'x' })).statusCode).toBe(403);
    expect((await new TestClient(t.app).post('/api/v1/series', { title: 'x' })).statusCode).toBe(401);
  });
});
