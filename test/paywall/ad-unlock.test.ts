import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWorkers } from '../../src/app.ts';
import { fixedClock } from '../../src/core/clock.ts';
import { newId } from '../../src/core/ids.ts';
import { deriveSsvSigningKey, signSsvQuery } from '../../src/drivers/ads/index.ts';
import { sandboxAdViews } from '../../src/drivers/ads/schema.ts';
import { jobs } from '../../src/drivers/queue/schema.ts';
import { runFfprobeJson } from '../../src/ffmpeg/index.ts';
import { entitlements } from '../../src/modules/entitlements/schema.ts';
import { mediaAssets } from '../../src/modules/media/schema.ts';
import { freePort, until } from '../support/async.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const SECRET = 'ads-test-network-secret';
const CAP = 3;
const DURATION_MS = 2000;
const TOLERANCE_S = 300;

const clock = fixedClock(new Date());
let t: TestPlatform;
let base = '';
let producer: TestClient;
let adSeries = '';
let noAdSeries = '';
let counter = 1;

interface Started {
  adUnlockId: string;
  creativeUrl: string;
  durationMs: number;
  completeUrl: string;
}

async function newSeries(title: string, adUnlock: boolean): Promise<string> {
  const id = (await producer.post('/api/v1/series', { title, synopsis: 'Ads' })).json<{ id: string }>().id;
  expect((await producer.patch(`/api/v1/series/${id}`, { adUnlock })).statusCode).toBe(200);
  const pilot = (await producer.post(`/api/v1/series/${id}/episodes`, { number: 1, title: 'Pilot', priceCoins: 0 })).json<{ id: string }>();
  await t.platform.modules.catalog.service.setEpisodeMedia(pilot.id, { status: 'ready', assetId: newId('asset'), durationMs: 6000 });
  await producer.post(`/api/v1/episodes/${pilot.id}/publish`);
  expect((await producer.post(`/api/v1/series/${id}/publish`)).statusCode).toBe(200);
  return id;
}

/** A published priced episode with a ready asset row, so playback signs URLs without transcoding. */
async function pricedEpisode(seriesId = adSeries, publish = true): Promise<string> {
  counter += 1;
  const episode = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: counter, title: `Paid ${counter}`, priceCoins: 40 })).json<{ id: string }>();
  const assetId = newId('asset');
  await t.platform.drivers.database.db.insert(mediaAssets).values({ id: assetId, episodeId: episode.id, uploaderId: producer.userId ?? '', status: 'ready', masterPlaylist: 'master.m3u8' });
  await t.platform.modules.catalog.service.setEpisodeMedia(episode.id, { status: 'ready', assetId, durationMs: 6000 });
  if (publish) expect((await producer.post(`/api/v1/episodes/${episode.id}/publish`)).statusCode).toBe(200);
  return episode.id;
}

let keySeq = 0;
const start = (viewer: TestClient, episodeId: string, headers: Record<string, string> = {}, body: Record<string, unknown> = {}) =>
  viewer.request('POST', `/api/v1/episodes/${episodeId}/ad-unlocks`, body, { 'idempotency-key': `ad-key-${++keySeq}-${Date.now()}`, ...headers });
const statusOf = async (viewer: TestClient, id: string) => (await viewer.get(`/api/v1/ad-unlocks/${id}`)).json<{ status: string; reason: string | null }>();
const pathOf = (url: string) => url.slice(base.length);
const stateOf = async (viewer: TestClient, episodeId: string) =>
  (await viewer.get(`/api/v1/series/${adSeries}/access`)).json<{ episodes: { id: string; state: string }[] }>().episodes.find((e) => e.id === episodeId)?.state;
const playbackStatus = async (viewer: TestClient, episodeId: string) => (await viewer.get(`/api/v1/episodes/${episodeId}/playback`)).statusCode;
const adGrantsOf = async (userId: string) =>
  t.platform.drivers.database.db.select().from(entitlements).where(and(eq(entitlements.userId, userId), eq(entitlements.source, 'ad')));
const viewOf = async (adUnlockId: string) => (await t.platform.drivers.database.db.select().from(sandboxAdViews).where(eq(sandboxAdViews.customData, adUnlockId)))[0];
const callbacksSettled = async () =>
  (await t.platform.drivers.database.db.select().from(jobs).where(eq(jobs.queue, 'ads-sandbox-callbacks'))).every((j) => j.status === 'done' || j.status === 'dead');

async function startOk(viewer: TestClient, episodeId: string): Promise<Started> {
  const response = await start(viewer, episodeId);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Started>();
}

/** A callback as the network would sign it, for any parameters the test wants to try. */
function signedCallback(input: { adUnlockId: string; userId: string; transactionId?: string; timestampMs?: number }): string {
  return signSsvQuery(
    [
      ['ad_network', 'dualstream-sandbox'],
      ['ad_unit', 'sandbox-rewarded-episode'],
      ['custom_data', input.adUnlockId],
      ['reward_amount', '1'],
      ['reward_item', 'episode'],
      ['timestamp', String(input.timestampMs ?? clock.now().getTime())],
      ['transaction_id', input.transactionId ?? randomBytes(16).toString('hex')],
      ['user_id', input.userId],
    ],
    deriveSsvSigningKey(SECRET),
  );
}
const callVerify = (query: string) => fetch(`${base}/api/v1/ads/sandbox/verify?${query}`);

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await startTestPlatform(
    { PUBLIC_URL: base, ADS_DAILY_CAP: String(CAP), ADS_SANDBOX_DURATION_MS: String(DURATION_MS), ADS_SANDBOX_SECRET: SECRET, ADS_CALLBACK_TOLERANCE_SECONDS: String(TOLERANCE_S) },
    { clock },
  );
  registerWorkers(t.platform);
  await t.app.listen({ port, host: '127.0.0.1' });
  t.platform.drivers.queue.start();
  producer = await new TestClient(t.app).signUp('creator');
  adSeries = await newSeries('Ad drama', true);
  noAdSeries = await newSeries('No-ad drama', false);
});
afterAll(async () => {
  await t.platform.drivers.queue.stop(2_000);
  await t.close();
});

describe(`rewarded-ad unlocks through the sandbox network over real HTTP (${label})`, () => {
  it('grants the episode only after the full clip and the signed callback; the clip is a real MP4', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const episodeId = await pricedEpisode();
    expect(await playbackStatus(viewer, episodeId)).toBe(403);
    expect(await stateOf(viewer, episodeId)).toBe('locked');

    expect((await viewer.post(`/api/v1/episodes/${episodeId}/ad-unlocks`)).json<{ code: string }>().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const started = await startOk(viewer, episodeId);
    expect(started.adUnlockId).toMatch(/^adu_/);
    expect(started.durationMs).toBe(DURATION_MS);
    expect(started.creativeUrl).toBe(`${base}/api/v1/ads/sandbox/creative.mp4`);
    expect(started.completeUrl.startsWith(`${base}/api/v1/ads/sandbox/views/`)).toBe(true);
    expect(await statusOf(viewer, started.adUnlockId)).toMatchObject({ status: 'watching', reason: null });

    // Reporting the end before the clip could have ended is refused, and sends nothing.
    clock.advance(DURATION_MS - 1);
    const early = await viewer.post(pathOf(started.completeUrl));
    expect(early.statusCode).toBe(409);
    expect(early.json<{ code: string }>().code).toBe('INVALID_STATE');
    expect(await viewOf(started.adUnlockId)).toMatchObject({ completedAt: null, transactionId: null });
    // Someone else cannot complete this viewer's ad.
    const stranger = await new TestClient(t.app).signUp('viewer');
    clock.advance(1);
    expect((await stranger.post(pathOf(started.completeUrl))).statusCode).toBe(404);

    const done = await viewer.post(pathOf(started.completeUrl));
    expect(done.statusCode).toBe(202);
    expect((await viewer.post(pathOf(started.completeUrl))).statusCode).toBe(202);
    await until('the callback to grant', async () => (await statusOf(viewer, started.adUnlockId)).status === 'granted');
    await until('the callback job to finish', callbacksSettled);
    const view = await viewOf(started.adUnlockId);
    expect(view).toMatchObject({ attempts: 1, lastStatus: 200 });
    expect(view?.lastQuery).toMatch(/&signature=[A-Za-z0-9_-]+&key_id=\d+$/);

    const grants = await adGrantsOf(userId);
    expect(grants.map((g) => [g.episodeId, g.reference])).toEqual([[episodeId, `ad:${started.adUnlockId}`]]);
    expect(await stateOf(viewer, episodeId)).toBe('owned');
    expect(await playbackStatus(viewer, episodeId)).toBe(200);
    expect(await t.platform.modules.ads.service.remainingToday(userId)).toBe(CAP - 1);
    const access = (await viewer.get(`/api/v1/series/${adSeries}/access`)).json<{ ad: { allowed: boolean; remainingToday: number; dailyCap: number } }>();
    expect(access.ad).toEqual({ allowed: true, remainingToday: CAP - 1, dailyCap: CAP });
    // Watchable now: another ad for it is refused.
    expect((await start(viewer, episodeId)).json<{ code: string }>().code).toBe('INVALID_STATE');

    const clip = await fetch(started.creativeUrl);
    expect(clip.status).toBe(200);
    expect(clip.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await clip.arrayBuffer());
    // The served bytes are the rendered file, and that file is a real clip of the ad's length.
    const file = join(t.dataDir, 'ads-sandbox', `creative-${DURATION_MS}ms.mp4`);
    expect(bytes.equals(await readFile(file))).toBe(true);
    const format = (await runFfprobeJson(['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', file])) as { format: { duration: string }; streams: { codec_type: string }[] };
    expect(Number(format.format.duration)).toBeGreaterThan(DURATION_MS / 1000 - 0.2);
    expect(Number(format.format.duration)).toBeLessThan(DURATION_MS / 1000 + 0.3);
    expect(format.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(bytes.length).toBeGreaterThan(1000);
    const ranged = await fetch(started.creativeUrl, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
  });

  it('a replayed callback (same transaction id) grants nothing more', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const episodeId = await pricedEpisode();
    const started = await startOk(viewer, episodeId);
    clock.advance(DURATION_MS);
    expect((await viewer.post(pathOf(started.completeUrl))).statusCode).toBe(202);
    await until('the grant', async () => (await statusOf(viewer, started.adUnlockId)).status === 'granted');
    // The network logs the delivery once our answer is back.
    const query = await until('the delivery log', async () => (await viewOf(started.adUnlockId))?.lastQuery);
    const replays = await Promise.all(Array.from({ length: 4 }, () => callVerify(query)));
    for (const replay of replays) {
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ id: started.adUnlockId, status: 'granted' });
    }
    // The same reward freshly signed again (as a network retry would be) is still the same reward.
    const transactionId = (await viewOf(started.adUnlockId))?.transactionId ?? '';
    expect((await callVerify(signedCallback({ adUnlockId: started.adUnlockId, userId, transactionId }))).status).toBe(200);
    expect(await adGrantsOf(userId)).toHaveLength(1);
    expect(await t.platform.modules.ads.service.grantedToday(userId)).toBe(1);
  });

  it('forged, re-keyed, tampered, stale or unsigned callbacks answer 4xx and grant nothing', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const attacker = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const episodeId = await pricedEpisode();
    const started = await startOk(viewer, episodeId);
    const other = await startOk(attacker, episodeId);
    const genuine = signedCallback({ adUnlockId: started.adUnlockId, userId });
    const realKeyId = deriveSsvSigningKey(SECRET).keyId;
    const own = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = signSsvQuery([...new URLSearchParams(genuine.split('&signature=')[0])].map(([k, v]) => [k, v] as const), { keyId: realKeyId, privateKey: own.privateKey });
    const attempts: Record<string, string> = {
      forged,
      wrongKeyId: genuine.replace(`key_id=${realKeyId}`, 'key_id=1234567890'),
      tamperedUser: genuine.replace(`user_id=${userId}`, `user_id=${attacker.userId ?? ''}`),
      tamperedUnlock: genuine.replace(`custom_data=${started.adUnlockId}`, `custom_data=${other.adUnlockId}`),
      appended: `${genuine}&reward_amount=100`,
      stale: signedCallback({ adUnlockId: started.adUnlockId, userId, timestampMs: clock.now().getTime() - (TOLERANCE_S + 1) * 1000 }),
      future: signedCallback({ adUnlockId: started.adUnlockId, userId, timestampMs: clock.now().getTime() + (TOLERANCE_S + 1) * 1000 }),
      unsigned: genuine.split('&signature=')[0] ?? '',
      badSignature: genuine.replace(/signature=[^&]+/, 'signature=MEUCIQCLJS_s4ia_sN06HqzeW7Wc3nhZi4RlW3qV0oO-6AIYdQIgGJEh-rzKreO'),
    };
    for (const [name, query] of Object.entries(attempts)) {
      const response = await callVerify(query);
      expect(response.status, name).toBeGreaterThanOrEqual(400);
      expect(response.status, name).toBeLessThan(500);
    }
    expect(await statusOf(viewer, started.adUnlockId)).toMatchObject({ status: 'watching' });
    expect(await statusOf(attacker, other.adUnlockId)).toMatchObject({ status: 'watching' });
    expect(await adGrantsOf(userId)).toHaveLength(0);
    expect(await adGrantsOf(attacker.userId ?? '')).toHaveLength(0);
    expect(await playbackStatus(viewer, episodeId)).toBe(403);

    // The harness was right: the untouched callback grants.
    const ok = await callVerify(genuine);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'granted' });
    expect(await stateOf(viewer, episodeId)).toBe('owned');
    expect(await playbackStatus(viewer, episodeId)).toBe(200);
    // Its transaction id cannot be spent on another ad unlock.
    const reused = genuine.match(/transaction_id=([0-9a-f]+)/)?.[1] ?? '';
    expect((await callVerify(signedCallback({ adUnlockId: other.adUnlockId, userId: attacker.userId ?? '', transactionId: reused }))).status).toBe(409);
    expect(await adGrantsOf(attacker.userId ?? '')).toHaveLength(0);
  });

  it('a client claiming it watched or was rewarded (body, query, header) gets nothing', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const episodeId = await pricedEpisode();
    const claims = { 'x-ad-completed': 'true', 'x-rewarded': 'true', 'x-reward-verified': '1' };
    const response = await viewer.request('POST', `/api/v1/episodes/${episodeId}/ad-unlocks?adCompleted=true&rewarded=true`, { adCompleted: true, rewarded: true, status: 'granted' }, {
      'idempotency-key': `ad-claims-${Date.now()}`,
      ...claims,
    });
    expect([201, 400]).toContain(response.statusCode);
    const started = response.statusCode === 201 ? response.json<Started>() : await startOk(viewer, episodeId);
    const status = await viewer.request('GET', `/api/v1/ad-unlocks/${started.adUnlockId}?adCompleted=true&rewarded=true&status=granted`, undefined, claims);
    expect(status.json()).toMatchObject({ status: 'watching' });
    // Completing at once with every claim still waits for the clip.
    const early = await viewer.request('POST', `${pathOf(started.completeUrl)}?adCompleted=true&rewarded=true`, { adCompleted: true, rewarded: true, watchedMs: DURATION_MS }, claims);
    expect(early.statusCode).toBe(409);
    // An unsigned "callback" with the right ids.
    const fake = await callVerify(`custom_data=${started.adUnlockId}&user_id=${userId}&transaction_id=${'ab'.repeat(16)}&timestamp=${clock.now().getTime()}&rewarded=true`);
    expect(fake.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(viewer, started.adUnlockId)).toMatchObject({ status: 'watching' });
    expect(await adGrantsOf(userId)).toHaveLength(0);
    expect(await stateOf(viewer, episodeId)).toBe('locked');
    expect(await playbackStatus(viewer, episodeId)).toBe(403);
  });

  it('refuses series without ad unlocks, free, draft and unknown episodes, strangers and anonymous callers', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const noAd = await start(viewer, await pricedEpisode(noAdSeries));
    expect(noAd.statusCode).toBe(403);
    expect(noAd.json<{ code: string }>().code).toBe('AD_UNLOCK_NOT_ALLOWED');
    const pilots = (await viewer.get(`/api/v1/series/${adSeries}/access`)).json<{ episodes: { id: string; state: string }[] }>();
    const freeEpisode = pilots.episodes.find((e) => e.state === 'free')?.id ?? '';
    expect((await start(viewer, freeEpisode)).json<{ code: string }>().code).toBe('INVALID_STATE');
    const draft = await pricedEpisode(adSeries, false);
    expect((await start(viewer, draft)).statusCode).toBe(404);
    expect((await start(viewer, 'ep_nope')).statusCode).toBe(404);
    // The producer already plays their own episodes.
    expect((await start(producer, await pricedEpisode())).json<{ code: string }>().code).toBe('INVALID_STATE');
    const anonymous = new TestClient(t.app);
    expect((await start(anonymous, await pricedEpisode())).statusCode).toBe(401);
    const mine = await startOk(viewer, await pricedEpisode());
    const stranger = await new TestClient(t.app).signUp('viewer');
    expect((await stranger.get(`/api/v1/ad-unlocks/${mine.adUnlockId}`)).statusCode).toBe(404);
    expect((await anonymous.get(`/api/v1/ad-unlocks/${mine.adUnlockId}`)).statusCode).toBe(401);
  });

  it('stops at the daily cap: refused at start, and concurrent completions grant at most the cap', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    // More ads started than the cap: each start sees slots left, the grants decide.
    const episodes = await Promise.all(Array.from({ length: CAP + 2 }, () => pricedEpisode()));
    const started: Started[] = [];
    for (const episodeId of episodes) started.push(await startOk(viewer, episodeId));
    clock.advance(DURATION_MS);
    const completions = await Promise.all(started.map((s) => viewer.post(pathOf(s.completeUrl))));
    expect(completions.map((c) => c.statusCode)).toEqual(started.map(() => 202));
    await until('every callback to settle', async () => (await Promise.all(started.map((s) => statusOf(viewer, s.adUnlockId)))).every((s) => s.status !== 'watching'));
    const outcomes = await Promise.all(started.map((s) => statusOf(viewer, s.adUnlockId)));
    expect(outcomes.filter((o) => o.status === 'granted')).toHaveLength(CAP);
    expect(outcomes.filter((o) => o.status === 'refused').map((o) => o.reason)).toEqual(['daily_cap', 'daily_cap']);
    expect(await adGrantsOf(userId)).toHaveLength(CAP);
    expect(await t.platform.modules.ads.service.remainingToday(userId)).toBe(0);
    const over = await start(viewer, await pricedEpisode());
    expect(over.statusCode).toBe(429);
    expect(over.json<{ code: string }>().code).toBe('AD_DAILY_CAP_REACHED');

    // A burst of genuine callbacks for one user, straight at the endpoint, all at once.
    const racer = await new TestClient(t.app).signUp('viewer');
    const racerId = racer.userId ?? '';
    const raced: Started[] = [];
    for (const episodeId of await Promise.all(Array.from({ length: CAP * 2 }, () => pricedEpisode()))) raced.push(await startOk(racer, episodeId));
    const answers = await Promise.all(raced.map((s) => callVerify(signedCallback({ adUnlockId: s.adUnlockId, userId: racerId }))));
    expect(answers.map((a) => a.status)).toEqual(raced.map(() => 200));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as { status: string }[];
    expect(bodies.filter((b) => b.status === 'granted')).toHaveLength(CAP);
    expect(await adGrantsOf(racerId)).toHaveLength(CAP);
    expect(await t.platform.modules.ads.service.grantedToday(racerId)).toBe(CAP);

    // The next UTC day has a fresh allowance.
    clock.advance(24 * 3600_000);
    expect(await t.platform.modules.ads.service.remainingToday(userId)).toBe(CAP);
    expect((await start(viewer, await pricedEpisode())).statusCode).toBe(201);
    await until('the callback jobs to finish', callbacksSettled);
  });
});
