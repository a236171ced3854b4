import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { createHmacSigner, mediaFileUrl } from '../../src/drivers/signing/index.ts';
import { entitlements } from '../../src/modules/entitlements/schema.ts';
import { journalEntries } from '../../src/modules/ledger/schema.ts';
import { mediaAssets } from '../../src/modules/media/schema.ts';
import { payments } from '../../src/modules/payments/schema.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';

/**
 * Whatever a client claims about itself (VIP, coins, an ad watched, an unlock) in the query, the
 * body, the headers or the cookies, the server decides from its own rows: nothing is granted.
 */
const label = testPostgresUrl() ? 'postgres' : 'pglite';
const PRICE = 40;
const FORGED_QUERY = 'vip=1&unlocked=true&balance=9999&adCompleted=1&entitled=true&role=admin&rewarded=true';

let t: TestPlatform;
let producer: TestClient;
let viewer: TestClient;
let viewerId = '';
let seriesId = '';
let pilotId = '';
let pricedId = '';
let pricedAssetId = '';
let keyCounter = 0;
const nextKey = () => `tamper-key-${String(++keyCounter).padStart(4, '0')}`;

async function publishedEpisode(number: number, priceCoins: number): Promise<{ episodeId: string; assetId: string }> {
  const episode = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number, title: `Episode ${number}`, priceCoins })).json<{ id: string }>();
  const assetId = newId('asset');
  await t.platform.drivers.database.db.insert(mediaAssets).values({ id: assetId, episodeId: episode.id, uploaderId: producer.userId ?? '', status: 'ready', masterPlaylist: 'master.m3u8' });
  await t.platform.modules.catalog.service.setEpisodeMedia(episode.id, { status: 'ready', assetId, durationMs: 6000 });
  expect((await producer.post(`/api/v1/episodes/${episode.id}/publish`)).statusCode).toBe(200);
  return { episodeId: episode.id, assetId };
}

/** A correctly signed key URL for the priced episode, as a stale or shared link would be: the key route must still refuse. */
function signedKeyPath(viewerKey: string): string {
  const expiresAt = new Date(Date.now() + 300_000);
  const token = createHmacSigner(t.config.secrets.mediaSecret).sign({ episodeId: pricedId, viewerKey, expiresAt });
  return mediaFileUrl({ token, expiresAtSeconds: Math.floor(expiresAt.getTime() / 1000), viewerKey, episodeId: pricedId, assetId: pricedAssetId }, 'key');
}

const codeOf = (response: LightMyRequestResponse) => (String(response.headers['content-type'] ?? '').includes('json') ? response.json<{ code?: string }>().code : undefined);

async function ledgerEntriesOf(userId: string): Promise<number> {
  const rows = await t.platform.drivers.database.db.select({ metadata: journalEntries.metadata }).from(journalEntries);
  return rows.filter((r) => r.metadata.userId === userId).length;
}

/** The viewer (0 coins) still owns nothing, has nothing, and the priced episode and its key stay locked. */
async function expectNothingGranted(what: string): Promise<void> {
  const rows = await t.platform.drivers.database.db.select().from(entitlements).where(eq(entitlements.userId, viewerId));
  expect(rows, `${what}: entitlement rows`).toHaveLength(0);
  expect(await t.platform.modules.wallet.service.balances(viewerId), `${what}: wallet`).toMatchObject({ paid: 0, bonus: 0, total: 0 });
  expect(await ledgerEntriesOf(viewerId), `${what}: ledger entries`).toBe(0);
  expect(await t.platform.modules.vip.service.isActive(viewerId), `${what}: VIP`).toBe(false);
  const playback = await viewer.get(`/api/v1/episodes/${pricedId}/playback`);
  expect([playback.statusCode, codeOf(playback)], `${what}: playback`).toEqual([403, 'ENTITLEMENT_REQUIRED']);
  const key = await viewer.get(signedKeyPath(viewerId));
  expect(key.statusCode, `${what}: HLS key`).toBe(403);
  expect(key.body.length, `${what}: HLS key body`).not.toBe(16);
}

beforeAll(async () => {
  t = await startTestPlatform();
  producer = await new TestClient(t.app).signUp('creator');
  seriesId = (await producer.post('/api/v1/series', { title: 'Tamper drama', synopsis: 'Nothing for free' })).json<{ id: string }>().id;
  // In VIP and open to ads, so a forged VIP or ad claim would have somewhere to land.
  expect((await producer.patch(`/api/v1/series/${seriesId}`, { inVip: true, adUnlock: true })).statusCode).toBe(200);
  pilotId = (await publishedEpisode(1, 0)).episodeId;
  ({ episodeId: pricedId, assetId: pricedAssetId } = await publishedEpisode(2, PRICE));
  expect((await producer.post(`/api/v1/series/${seriesId}/publish`)).statusCode).toBe(200);
  viewer = await new TestClient(t.app).signUp('viewer');
  viewerId = viewer.userId ?? '';
});
afterAll(async () => t.close());

describe(`forged paywall claims grant nothing (${label})`, () => {
  it('starts locked, and the producer (the real manager) can play it: the checks below are not vacuous', async () => {
    await expectNothingGranted('baseline');
    expect((await producer.get(`/api/v1/episodes/${pricedId}/playback`)).statusCode).toBe(200);
    expect((await viewer.get(`/api/v1/episodes/${pilotId}/playback`)).statusCode).toBe(200);
  });

  it('ignores forged flags in the query string', async () => {
    const playback = await viewer.get(`/api/v1/episodes/${pricedId}/playback?${FORGED_QUERY}`);
    expect([playback.statusCode, codeOf(playback)]).toEqual([403, 'ENTITLEMENT_REQUIRED']);
    const unlock = await viewer.request('POST', `/api/v1/episodes/${pricedId}/unlock?${FORGED_QUERY}&coins=0&priceCoins=0`, {}, { 'idempotency-key': nextKey() });
    expect([unlock.statusCode, codeOf(unlock)]).toEqual([402, 'INSUFFICIENT_FUNDS']);
    const access = (await viewer.get(`/api/v1/series/${seriesId}/access?${FORGED_QUERY}`)).json<{ episodes: { id: string; state: string }[]; ownsSeries: boolean }>();
    expect(access.episodes.find((e) => e.id === pricedId)?.state).toBe('locked');
    expect(access.ownsSeries).toBe(false);
    await expectNothingGranted('query');
  });

  it('refuses or ignores forged fields in bodies', async () => {
    // The unlock takes no body: whatever it says, the price comes from the catalog and the coins from the ledger.
    const unlock = await viewer.request('POST', `/api/v1/episodes/${pricedId}/unlock`, { unlocked: true, priceCoins: 0, balance: 9999, vip: true, adCompleted: true }, { 'idempotency-key': nextKey() });
    expect([unlock.statusCode, codeOf(unlock)]).toEqual([402, 'INSUFFICIENT_FUNDS']);
    const rest = await viewer.request('POST', `/api/v1/series/${seriesId}/unlock`, { offer: 'rest', expectedCoins: 1, paid: true, balance: 9999 }, { 'idempotency-key': nextKey() });
    expect([rest.statusCode, codeOf(rest)]).toEqual([400, 'VALIDATION_FAILED']);
    const cheap = await viewer.request('POST', `/api/v1/series/${seriesId}/unlock`, { offer: 'rest', expectedCoins: 1 }, { 'idempotency-key': nextKey() });
    expect(cheap.statusCode).toBeGreaterThanOrEqual(400);
    expect(['PRICE_CHANGED', 'INSUFFICIENT_FUNDS']).toContain(codeOf(cheap));
    const stringy = await viewer.request('POST', `/api/v1/series/${seriesId}/unlock`, { offer: 'rest', expectedCoins: '40' }, { 'idempotency-key': nextKey() });
    expect([stringy.statusCode, codeOf(stringy)]).toEqual([400, 'VALIDATION_FAILED']);
    await expectNothingGranted('body');
  });

  it('ignores forged identity and entitlement headers', async () => {
    const forged = {
      'x-vip': '1',
      'x-user-role': 'admin',
      'x-role': 'admin',
      'x-entitled': 'true',
      'x-unlocked': 'true',
      'x-balance': '9999',
      'x-ad-completed': '1',
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      // The producer manages the series: if any of these were believed, playback would open.
      'x-user-id': producer.userId ?? '',
      'x-forwarded-user': producer.userId ?? '',
      'x-viewer-key': producer.userId ?? '',
    };
    const playback = await viewer.request('GET', `/api/v1/episodes/${pricedId}/playback`, undefined, forged);
    expect([playback.statusCode, codeOf(playback)]).toEqual([403, 'ENTITLEMENT_REQUIRED']);
    const unlock = await viewer.request('POST', `/api/v1/episodes/${pricedId}/unlock`, {}, { ...forged, 'idempotency-key': nextKey() });
    expect([unlock.statusCode, codeOf(unlock)]).toEqual([402, 'INSUFFICIENT_FUNDS']);
    const key = await viewer.request('GET', signedKeyPath(viewerId), undefined, forged);
    expect(key.statusCode).toBe(403);
    // A bearer token that is not one of ours is no identity at all, and certainly not the producer's.
    const bearer = await new TestClient(t.app).request('GET', `/api/v1/episodes/${pricedId}/playback`, undefined, { authorization: `Bearer ${producer.userId ?? ''}`, ...forged });
    expect(bearer.statusCode === 401 || bearer.statusCode === 403).toBe(true);
    await expectNothingGranted('headers');
  });

  it('ignores made-up cookies and refuses a tampered session cookie', async () => {
    const session = viewer.cookieHeader();
    const withCookies = (cookie: string) => ({ cookie });
    const madeUp = `${session}; role=admin; vip=1; entitled=true; unlocked=${pricedId}; balance=9999`;
    const playback = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${pricedId}/playback`, headers: withCookies(madeUp) });
    expect([playback.statusCode, codeOf(playback)]).toEqual([403, 'ENTITLEMENT_REQUIRED']);
    const unlock = await t.app.inject({
      method: 'POST',
      url: `/api/v1/episodes/${pricedId}/unlock`,
      headers: { ...withCookies(madeUp), 'x-csrf-token': viewer.csrfToken ?? '', 'idempotency-key': nextKey() },
    });
    expect([unlock.statusCode, codeOf(unlock)]).toEqual([402, 'INSUFFICIENT_FUNDS']);

    // One character of the session token changed: that is nobody's session.
    const match = /ds_sid=([^;]+)/.exec(session);
    const token = match?.[1] ?? '';
    expect(token.length).toBeGreaterThan(10);
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const tampered = session.replace(token, flipped);
    const anonymousPlayback = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${pricedId}/playback`, headers: withCookies(tampered) });
    expect([anonymousPlayback.statusCode, codeOf(anonymousPlayback)]).toEqual([403, 'ENTITLEMENT_REQUIRED']);
    const tamperedUnlock = await t.app.inject({
      method: 'POST',
      url: `/api/v1/episodes/${pricedId}/unlock`,
      headers: { ...withCookies(tampered), 'x-csrf-token': viewer.csrfToken ?? '', 'idempotency-key': nextKey() },
    });
    expect(tamperedUnlock.statusCode).toBe(401);
    const tamperedWallet = await t.app.inject({ method: 'GET', url: '/api/v1/wallet', headers: withCookies(tampered) });
    expect(tamperedWallet.statusCode).toBe(401);
    // The producer's user id dressed up as a session or device cookie is not the producer.
    const impostor = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${pricedId}/playback`, headers: withCookies(`ds_sid=${producer.userId ?? ''}; ds_did=${producer.userId ?? ''}`) });
    expect([impostor.statusCode, codeOf(impostor)]).toEqual([403, 'ENTITLEMENT_REQUIRED']);
    await expectNothingGranted('cookies');
  });

  it('refuses hand-made media URLs: a forged token, a free episode’s token moved to the priced one, a signed key URL without entitlement', async () => {
    const forgedToken = randomBytes(16).toString('base64url');
    const expires = Math.floor(Date.now() / 1000) + 600;
    const parts = { token: forgedToken, expiresAtSeconds: expires, viewerKey: viewerId, episodeId: pricedId, assetId: pricedAssetId };
    for (const file of ['master.m3u8', 'key', '720p/index.m3u8']) {
      const response = await viewer.get(mediaFileUrl(parts, file));
      expect([response.statusCode, codeOf(response)], file).toEqual([403, 'MEDIA_TOKEN_INVALID']);
    }
    // A genuine token for the free pilot does not open the priced episode's files.
    const pilot = (await viewer.get(`/api/v1/episodes/${pilotId}/playback`)).json<{ hlsUrl: string }>();
    const pilotPath = new URL(pilot.hlsUrl, 'http://localhost').pathname;
    const [, , token = '', exp = '', viewerKey = ''] = pilotPath.split('/');
    expect(viewerKey).toBe(viewerId);
    const moved = mediaFileUrl({ token, expiresAtSeconds: Number(exp), viewerKey, episodeId: pricedId, assetId: pricedAssetId }, 'key');
    const movedResponse = await viewer.get(moved);
    expect([movedResponse.statusCode, codeOf(movedResponse)]).toEqual([403, 'MEDIA_TOKEN_INVALID']);
    // A correctly signed key URL (a leaked or stale link) still asks the entitlement at this moment.
    const signed = await viewer.get(signedKeyPath(viewerId));
    expect([signed.statusCode, codeOf(signed)]).toEqual([403, 'ENTITLEMENT_REQUIRED']);
    await expectNothingGranted('media');
  });

  it('gives the standard check-in reward whatever coins the body claims, and credits no forged top-up', async () => {
    const other = await new TestClient(t.app).signUp('viewer');
    const otherId = other.userId ?? '';
    const checkIn = await other.post('/api/v1/wallet/check-in', { coins: 100_000, bonus: 100_000, streak: 7 });
    // The check-in takes no body: what it claims is ignored and the standard reward is given.
    expect(checkIn.statusCode).toBe(200);
    expect(checkIn.json<{ coins: number }>().coins).toBe(10);
    expect(await t.platform.modules.wallet.service.balances(otherId)).toMatchObject({ paid: 0, bonus: 10, total: 10 });
    const again = await other.post('/api/v1/wallet/check-in', { coins: 100_000 });
    expect(again.statusCode).toBe(200);
    expect(again.json<{ coins: number }>().coins).toBe(0);
    const afterCheckIn = (await t.platform.modules.wallet.service.balances(otherId)).total;

    for (const body of [
      { packId: 'pack_100', coins: 1_000_000 },
      { packId: 'pack_100', priceMinor: 1 },
      { packId: 'pack_2000', priceMinor: 1, currency: 'USD', coins: 2000 },
      { coins: 500, priceMinor: 0 },
    ]) {
      const response = await other.request('POST', '/api/v1/wallet/top-ups', body, { 'idempotency-key': nextKey() });
      expect([response.statusCode, codeOf(response)], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(await t.platform.drivers.database.db.select().from(payments).where(eq(payments.userId, otherId))).toHaveLength(0);
    expect((await t.platform.modules.wallet.service.balances(otherId)).total).toBe(afterCheckIn);
    expect((await t.platform.modules.ledger.service.verify()).ok).toBe(true);
    await expectNothingGranted('wallet');
  });

  it('grants no VIP from a purchase body that claims it, nor from a purchase that is never paid', async () => {
    const forged = await viewer.request('POST', '/api/v1/vip/purchases', { planId: 'monthly', active: true, periodEnd: '2099-01-01T00:00:00.000Z' }, { 'idempotency-key': nextKey() });
    expect([forged.statusCode, codeOf(forged)]).toEqual([400, 'VALIDATION_FAILED']);
    const plan = await viewer.request('POST', '/api/v1/vip/purchases', { planId: 'monthly', periodEnd: '2099-01-01T00:00:00.000Z' }, { 'idempotency-key': nextKey() });
    expect([plan.statusCode, codeOf(plan)]).toEqual([400, 'VALIDATION_FAILED']);
    // A real purchase, started but not paid: the hosted page was never completed.
    const started = await viewer.request('POST', `/api/v1/vip/purchases?${FORGED_QUERY}&active=true`, { planId: 'weekly' }, { 'idempotency-key': nextKey(), 'x-vip': '1', 'x-payment-status': 'succeeded' });
    expect(started.statusCode).toBe(201);
    const vip = (await viewer.get('/api/v1/vip')).json<{ membership: { active: boolean } | null }>();
    expect(vip.membership === null || vip.membership.active === false).toBe(true);
    await expectNothingGranted('vip');
  });

  it('grants no ad unlock from forged completion flags: only the signed network callback could', async () => {
    const started = await viewer.request('POST', `/api/v1/episodes/${pricedId}/ad-unlocks?rewarded=true`, { rewarded: true }, { 'idempotency-key': nextKey() });
    expect(started.statusCode).toBe(201);
    const { adUnlockId, completeUrl } = started.json<{ adUnlockId: string; completeUrl: string }>();
    const status = await viewer.get(`/api/v1/ad-unlocks/${adUnlockId}?rewarded=true&status=granted`);
    expect(status.statusCode).toBe(200);
    expect(status.json<{ status: string }>().status).toBe('watching');

    // The clip has not run its length: "it ended, reward me" is refused.
    const completePath = new URL(completeUrl, 'http://localhost').pathname;
    const early = await viewer.request('POST', `${completePath}?rewarded=true`, { rewarded: true, watchedMs: 999_999 }, { 'x-ad-completed': '1' });
    expect([early.statusCode, codeOf(early)]).toEqual([409, 'INVALID_STATE']);

    // Hand-made callbacks: unsigned, badly signed, or signed by a key the network never published.
    const transactionId = randomBytes(16).toString('hex');
    const base = `ad_network=dualstream-sandbox&ad_unit=sandbox-rewarded-episode&custom_data=${adUnlockId}&reward_amount=1&reward_item=episode&timestamp=${Date.now()}&transaction_id=${transactionId}&user_id=${viewerId}`;
    for (const query of [
      `${base}&rewarded=true`,
      `${base}&signature=${randomBytes(70).toString('base64url')}&key_id=1`,
      `${base}&signature=${randomBytes(70).toString('base64url')}&key_id=forged-key`,
    ]) {
      const callback = await new TestClient(t.app).get(`/api/v1/ads/sandbox/verify?${query}`);
      expect(callback.statusCode, query).toBeGreaterThanOrEqual(400);
      expect(callback.statusCode, query).toBeLessThan(500);
    }
    const after = (await viewer.get(`/api/v1/ad-unlocks/${adUnlockId}`)).json<{ status: string }>();
    expect(after.status).toBe('watching');
    await expectNothingGranted('ads');
  });
});
