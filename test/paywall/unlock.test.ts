import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entitlements } from '../../src/modules/entitlements/schema.ts';
import { walletSpends } from '../../src/modules/wallet/schema.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { publishedEpisode, viewerWithCoins as givenViewer } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const PRICE = 60;

let t: TestPlatform;
let producer: TestClient;
let seriesId = '';
let counter = 0;

async function pricedEpisode(): Promise<string> {
  counter += 1;
  return publishedEpisode(t, producer, seriesId, { number: counter + 1, priceCoins: PRICE, title: `Paid ${counter}` });
}

const viewerWithCoins = (coins: number) => givenViewer(t, coins);
const unlock = (viewer: TestClient, episodeId: string, key: string) => viewer.request('POST', `/api/v1/episodes/${episodeId}/unlock`, {}, { 'idempotency-key': key });
const balanceOf = async (viewer: TestClient) => (await t.platform.modules.wallet.service.balances(viewer.userId ?? '')).total;
const spendsOf = async (viewer: TestClient) => t.platform.drivers.database.db.select().from(walletSpends).where(eq(walletSpends.userId, viewer.userId ?? ''));

beforeAll(async () => {
  t = await startTestPlatform();
  producer = await new TestClient(t.app).signUp('creator');
  seriesId = (await producer.post('/api/v1/series', { title: 'Paywall drama', synopsis: 'Coins' })).json<{ id: string }>().id;
  const pilot = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: 1, title: 'Pilot', priceCoins: 0 })).json<{ id: string }>();
  await t.platform.modules.catalog.service.setEpisodeMedia(pilot.id, { status: 'ready', assetId: 'ast_pilot', durationMs: 6000 });
  await producer.post(`/api/v1/episodes/${pilot.id}/publish`);
  expect((await producer.post(`/api/v1/series/${seriesId}/publish`)).statusCode).toBe(200);
});
afterAll(async () => t.close());

describe(`unlocking an episode with coins (${label})`, () => {
  it('turns 403 ENTITLEMENT_REQUIRED into playback, charges once, replays the same answer', async () => {
    const episodeId = await pricedEpisode();
    const viewer = await viewerWithCoins(100);
    const before = await viewer.get(`/api/v1/episodes/${episodeId}/playback`);
    expect(before.statusCode).toBe(403);
    expect(before.json<{ code: string }>().code).toBe('ENTITLEMENT_REQUIRED');

    expect((await viewer.post(`/api/v1/episodes/${episodeId}/unlock`)).json<{ code: string }>().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const first = await unlock(viewer, episodeId, 'unlock-key-0001');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ unlocked: true, alreadyOwned: false, coinsSpent: PRICE, balanceAfter: 40 });
    const replay = await unlock(viewer, episodeId, 'unlock-key-0001');
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toBe(first.body);
    expect(replay.headers['idempotent-replayed']).toBeDefined();
    const again = await unlock(viewer, episodeId, 'unlock-key-0002');
    expect(again.json()).toMatchObject({ unlocked: true, alreadyOwned: true, coinsSpent: 0 });
    expect(await balanceOf(viewer)).toBe(40);
    expect(await spendsOf(viewer)).toHaveLength(1);

    const playback = await viewer.get(`/api/v1/episodes/${episodeId}/playback`);
    expect(playback.statusCode).toBe(200);
    expect(playback.json<{ hlsUrl: string }>().hlsUrl).toContain(episodeId);

    const other = await viewerWithCoins(100);
    const stranger = await other.get(`/api/v1/episodes/${episodeId}/playback`);
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json<{ code: string }>().code).toBe('ENTITLEMENT_REQUIRED');
    const anonymous = new TestClient(t.app);
    expect((await anonymous.get(`/api/v1/episodes/${episodeId}/playback`)).statusCode).toBe(403);
    expect((await t.platform.modules.entitlements.service.list(viewer.userId ?? '')).map((e) => [e.episodeId, e.source])).toEqual([[episodeId, 'coins']]);
  });

  it('answers INSUFFICIENT_FUNDS with balance and price, and grants nothing', async () => {
    const episodeId = await pricedEpisode();
    const viewer = await viewerWithCoins(59);
    const response = await unlock(viewer, episodeId, 'unlock-poor-0001');
    expect(response.statusCode).toBe(402);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_FUNDS', balance: 59, needed: PRICE });
    expect(await balanceOf(viewer)).toBe(59);
    const rows = await t.platform.drivers.database.db.select().from(entitlements).where(eq(entitlements.userId, viewer.userId ?? ''));
    expect(rows).toHaveLength(0);
    expect((await viewer.get(`/api/v1/episodes/${episodeId}/playback`)).statusCode).toBe(403);
  });

  it('passes SPENDING_CAP_REACHED through', async () => {
    const episodeId = await pricedEpisode();
    const viewer = await viewerWithCoins(100);
    expect((await viewer.put('/api/v1/wallet/caps', { dailyCoins: 10, monthlyCoins: null })).statusCode).toBe(200);
    const response = await unlock(viewer, episodeId, 'unlock-capped-01');
    expect(response.statusCode).toBe(403);
    expect(response.json<{ code: string }>().code).toBe('SPENDING_CAP_REACHED');
    expect(await balanceOf(viewer)).toBe(100);
  });

  it('refuses free, unknown and unpublished episodes', async () => {
    const viewer = await viewerWithCoins(100);
    expect((await unlock(viewer, 'ep_01aaaaaaaaaaaaaaaaaaaaaaaa', 'unlock-none-0001')).statusCode).toBe(404);
    const draft = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: 900, title: 'Draft', priceCoins: PRICE })).json<{ id: string }>();
    expect((await unlock(viewer, draft.id, 'unlock-draft-001')).statusCode).toBe(404);
    expect((await new TestClient(t.app).request('POST', `/api/v1/episodes/${draft.id}/unlock`, {}, { 'idempotency-key': 'anon-key-0001' })).statusCode).toBe(401);
    expect(await balanceOf(viewer)).toBe(100);
    const own = await pricedEpisode();
    expect((await unlock(producer, own, 'unlock-own-00001')).json()).toMatchObject({ unlocked: true, alreadyOwned: true, coinsSpent: 0 });
    expect(await spendsOf(producer)).toHaveLength(0);
  });

  it('charges once when one user sends 20 unlocks at once under different keys', async () => {
    const episodeId = await pricedEpisode();
    const viewer = await viewerWithCoins(1000);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => unlock(viewer, episodeId, `race-key-${String(i).padStart(4, '0')}`)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(responses.filter((r) => r.json<{ alreadyOwned: boolean }>().alreadyOwned === false)).toHaveLength(1);
    expect(await balanceOf(viewer)).toBe(1000 - PRICE);
    expect(await spendsOf(viewer)).toHaveLength(1);
    expect((await t.platform.modules.entitlements.service.list(viewer.userId ?? '')).length).toBe(1);
    expect((await viewer.get(`/api/v1/episodes/${episodeId}/playback`)).statusCode).toBe(200);
  });
});
