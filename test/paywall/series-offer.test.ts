import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitlements } from '../../src/modules/entitlements/schema.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { publishedEpisode, publishedSeries, viewerWithCoins } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

interface Access {
  episodes: { id: string; number: number; state: string; priceCoins: number }[];
  costToFinishCoins: number;
  lockedCount: number;
  bundle: { priceCoins: number } | null;
  ownsSeries: boolean;
  balance: { total: number } | null;
}

interface LockedProblem {
  code: string;
  priceCoins: number;
  unlock: { priceCoins: number; costToFinishCoins: number; lockedToFinish: number; bundle: { priceCoins: number } | null; balance: { total: number } | null; packs: unknown[] };
}

let t: TestPlatform;
let producer: TestClient;

const access = async (client: TestClient, seriesId: string) => {
  const response = await client.get(`/api/v1/series/${seriesId}/access`);
  expect(response.statusCode).toBe(200);
  return response.json<Access>();
};
const unlockSeries = (viewer: TestClient, seriesId: string, body: Record<string, unknown>, key = crypto.randomUUID()) =>
  viewer.request('POST', `/api/v1/series/${seriesId}/unlock`, body, { 'idempotency-key': key });
const unlockEpisode = (viewer: TestClient, episodeId: string, key = crypto.randomUUID()) =>
  viewer.request('POST', `/api/v1/episodes/${episodeId}/unlock`, {}, { 'idempotency-key': key });
const balanceOf = async (viewer: TestClient) => (await t.platform.modules.wallet.service.balances(viewer.userId ?? '')).total;

beforeAll(async () => {
  t = await startTestPlatform();
  producer = await new TestClient(t.app).signUp('creator');
});
afterAll(async () => t.close());

describe(`series pricing, cost to finish and series unlocks (${label})`, () => {
  it('shows every state and price, and the locked answer carries the unlock options with the cost to finish', async () => {
    // Episodes 1–2 are priced but free by the series setting; 3–5 cost 30, 40, 50.
    const { seriesId, episodeIds } = await publishedSeries(t, producer, { prices: [30, 30, 30, 40, 50], freeEpisodes: 2, bundlePriceCoins: 100 });
    const anonymous = new TestClient(t.app);
    const seen = await access(anonymous, seriesId);
    expect(seen.episodes.map((e) => e.state)).toEqual(['free', 'free', 'locked', 'locked', 'locked']);
    expect(seen).toMatchObject({ costToFinishCoins: 120, lockedCount: 3, bundle: { priceCoins: 100 }, ownsSeries: false, balance: null });
    expect((await anonymous.get(`/api/v1/episodes/${episodeIds[1]}/playback`)).statusCode).toBe(200);

    const viewer = await viewerWithCoins(t, 200);
    const locked = await viewer.get(`/api/v1/episodes/${episodeIds[3]}/playback`);
    expect(locked.statusCode).toBe(403);
    const problem = locked.json<LockedProblem>();
    expect(problem).toMatchObject({ code: 'ENTITLEMENT_REQUIRED', priceCoins: 40 });
    expect(problem.unlock).toMatchObject({ priceCoins: 40, costToFinishCoins: 90, lockedToFinish: 2, bundle: { priceCoins: 100 }, balance: { total: 200 } });
    expect(problem.unlock.packs.length).toBeGreaterThan(0);

    expect((await unlockEpisode(viewer, episodeIds[2] ?? '')).statusCode).toBe(200);
    const after = await access(viewer, seriesId);
    expect(after.episodes.map((e) => e.state)).toEqual(['free', 'free', 'owned', 'locked', 'locked']);
    expect(after).toMatchObject({ costToFinishCoins: 90, lockedCount: 2, balance: { total: 170 } });
    // The producer's own studio sees everything as owned and is offered nothing.
    const own = await access(producer, seriesId);
    expect(own.episodes.map((e) => e.state)).toEqual(['free', 'free', 'owned', 'owned', 'owned']);
    expect(own).toMatchObject({ costToFinishCoins: 0, bundle: null, ownsSeries: true });
  });

  it('charges exactly the price shown for the rest of the series, and refuses a stale price without charging', async () => {
    const { seriesId, episodeIds } = await publishedSeries(t, producer, { prices: [0, 20, 30, 40] });
    const viewer = await viewerWithCoins(t, 100);
    const stale = await unlockSeries(viewer, seriesId, { offer: 'rest', fromEpisodeNumber: 3, expectedCoins: 60 });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect(stale.json()).toMatchObject({ code: 'PRICE_CHANGED', priceCoins: 70, expectedCoins: 60 });
    expect(await balanceOf(viewer)).toBe(100);

    const key = crypto.randomUUID();
    const bought = await unlockSeries(viewer, seriesId, { offer: 'rest', fromEpisodeNumber: 3, expectedCoins: 70 }, key);
    expect(bought.statusCode).toBe(200);
    expect(bought.json()).toMatchObject({ unlocked: true, offer: 'rest', coinsSpent: 70, balanceAfter: 30, episodeIds: [episodeIds[2], episodeIds[3]] });
    const replay = await unlockSeries(viewer, seriesId, { offer: 'rest', fromEpisodeNumber: 3, expectedCoins: 70 }, key);
    expect(replay.json()).toEqual(bought.json());
    expect(await balanceOf(viewer)).toBe(30);
    expect((await access(viewer, seriesId)).episodes.map((e) => e.state)).toEqual(['free', 'locked', 'owned', 'owned']);
    for (const id of [episodeIds[2], episodeIds[3]]) expect((await viewer.get(`/api/v1/episodes/${id}/playback`)).statusCode).toBe(200);
    // Nothing left from episode 3 on.
    expect((await unlockSeries(viewer, seriesId, { offer: 'rest', fromEpisodeNumber: 3, expectedCoins: 1 })).json()).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('charges a VIP member the rest at the price the grid showed them: episodes they watch through VIP are not in it', async () => {
    const { seriesId } = await publishedSeries(t, producer, { prices: [0, 20, 30], inVip: true });
    const viewer = await viewerWithCoins(t, 100);
    const { db } = t.platform.drivers.database;
    await db.transaction((tx) => t.platform.modules.vip.service.recordPeriod(tx, { userId: viewer.userId ?? '', paymentId: 'pay_series_offer_vip', planId: 'weekly', source: 'purchase', amountMinor: 1800, currency: 'CNY' }));
    const shown = await access(viewer, seriesId);
    expect(shown.episodes.map((e) => e.state)).toEqual(['free', 'vip', 'vip']);
    expect(shown.costToFinishCoins).toBe(0);
    // Nothing is locked for them, so there is nothing to buy: not the 50 coins the VIP episodes list at.
    const bought = await unlockSeries(viewer, seriesId, { offer: 'rest', expectedCoins: 50 });
    expect(bought.json()).toMatchObject({ code: 'INVALID_STATE' });
    expect(await balanceOf(viewer)).toBe(100);
  });

  it('sells the bundle once, and it covers episodes published later', async () => {
    const { seriesId } = await publishedSeries(t, producer, { prices: [0, 50, 50, 50], bundlePriceCoins: 99 });
    const viewer = await viewerWithCoins(t, 150);
    const bought = await unlockSeries(viewer, seriesId, { offer: 'bundle', expectedCoins: 99 });
    expect(bought.json()).toMatchObject({ unlocked: true, offer: 'bundle', coinsSpent: 99, balanceAfter: 51 });
    const later = await publishedEpisode(t, producer, seriesId, { number: 5, priceCoins: 80 });
    expect((await viewer.get(`/api/v1/episodes/${later}/playback`)).statusCode).toBe(200);
    const seen = await access(viewer, seriesId);
    expect(seen).toMatchObject({ ownsSeries: true, bundle: null, costToFinishCoins: 0 });
    expect((await unlockSeries(viewer, seriesId, { offer: 'bundle', expectedCoins: 99 })).statusCode).toBe(409);
    expect(await balanceOf(viewer)).toBe(51);
    // A series without a bundle on sale refuses one.
    const plain = await publishedSeries(t, producer, { prices: [0, 10] });
    expect((await unlockSeries(viewer, plain.seriesId, { offer: 'bundle', expectedCoins: 99 })).json()).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('never charges one episode twice when episode and series unlocks race', async () => {
    const { seriesId, episodeIds } = await publishedSeries(t, producer, { prices: [0, 40, 50] });
    const viewer = await viewerWithCoins(t, 500);
    const requests = Array.from({ length: 12 }, (_, i) => {
      switch (i % 3) {
        case 0:
          return unlockEpisode(viewer, episodeIds[1] ?? '');
        case 1:
          return unlockEpisode(viewer, episodeIds[2] ?? '');
        default:
          return unlockSeries(viewer, seriesId, { offer: 'rest', expectedCoins: 90 });
      }
    });
    const responses = await Promise.all(requests);
    for (const response of responses) expect([200, 409]).toContain(response.statusCode);
    // Whatever the order, both episodes are owned and were paid for once each.
    expect(await balanceOf(viewer)).toBe(500 - 90);
    const rows = await t.platform.drivers.database.db.select().from(entitlements).where(eq(entitlements.userId, viewer.userId ?? ''));
    expect(rows.map((r) => r.episodeId).sort()).toEqual([episodeIds[1], episodeIds[2]].sort());
  });

  it('rejects bad bodies with problem+json and changes nothing', async () => {
    const { seriesId } = await publishedSeries(t, producer, { prices: [0, 10], bundlePriceCoins: 15 });
    const viewer = await viewerWithCoins(t, 100);
    for (const body of [{ offer: 'all', expectedCoins: 10 }, { offer: 'rest', expectedCoins: '10' }, { offer: 'rest', expectedCoins: 10.5 }, { offer: 'rest' }, { offer: 'rest', expectedCoins: 10, coins: 0 }]) {
      const response = await unlockSeries(viewer, seriesId, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await viewer.request('POST', `/api/v1/series/${seriesId}/unlock`, { offer: 'rest', expectedCoins: 10 })).json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED' });
    expect((await new TestClient(t.app).request('POST', `/api/v1/series/${seriesId}/unlock`, { offer: 'rest', expectedCoins: 10 }, { 'idempotency-key': 'k' })).statusCode).toBe(401);
    expect(await balanceOf(viewer)).toBe(100);
    // Producer settings are validated too, and only the owning studio may change them.
    for (const patch of [{ bundlePriceCoins: 0 }, { freeEpisodes: -1 }, { inVip: 'yes' }, { freeEpisodes: 1.5 }]) {
      expect((await producer.patch(`/api/v1/series/${seriesId}`, patch)).statusCode, JSON.stringify(patch)).toBe(400);
    }
    const other = await new TestClient(t.app).signUp('creator');
    expect((await other.patch(`/api/v1/series/${seriesId}`, { freeEpisodes: 10 })).statusCode).toBe(403);
    expect((await access(viewer, seriesId)).episodes.map((e) => e.state)).toEqual(['free', 'locked']);
  });
});
