import { createDecipheriv } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWorkers } from '../../src/app.ts';
import { fixedClock } from '../../src/core/clock.ts';
import { createHmacSigner, mediaFileUrl, toEpochSeconds } from '../../src/drivers/signing/index.ts';
import { parseMediaPlaylist } from '../../src/ffmpeg/hls-output.ts';
import { planLadder } from '../../src/ffmpeg/ladder.ts';
import { transcodeEpisode } from '../../src/ffmpeg/transcode.ts';
import { mediaAssets, mediaKeys } from '../../src/modules/media/schema.ts';
import { testClip } from '../media/support/clip.ts';
import { uploadWhole } from '../media/support/tus.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { freePort, until } from '../support/async.ts';
import { testPostgresUrl } from '../support/db.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const EPISODES = ['free', 'paid', 'draft'] as const;
const FILES = ['master', 'media', 'segment', 'key', 'poster'] as const;
type Ep = (typeof EPISODES)[number];
type File = (typeof FILES)[number];
/** allow: 200. token: 403 MEDIA_TOKEN_INVALID. entitlement: 403 ENTITLEMENT_REQUIRED. gone: 404 NOT_FOUND. */
type Verdict = 'allow' | 'token' | 'entitlement' | 'gone';
type Urls = Record<File, string>;
interface Attempt {
  client: TestClient;
  urls: Urls;
  /** The answer of GET /playback for this caller at evaluation time, or null for the token rows. */
  playback: number | null;
}

const EXPECTED_STATUS: Record<Verdict, [number, string | null]> = {
  allow: [200, null],
  token: [403, 'MEDIA_TOKEN_INVALID'],
  entitlement: [403, 'ENTITLEMENT_REQUIRED'],
  gone: [404, 'NOT_FOUND'],
};

const clock = fixedClock(new Date());
let t: TestPlatform;
let base = '';
let owner: TestClient;
let seriesId = '';
const episodeIds = {} as Record<Ep, string>;
const keys = {} as Record<Ep, Buffer>;
/** Media playlist and segment inside the asset folder, e.g. `480p/index.m3u8`, `480p/seg_000.ts`. */
let variant = '';
let segmentPath = '';
/** The first segment as the transcoder wrote it before encryption (same source, settings and single thread). */
let plaintext: Buffer = Buffer.alloc(0);
const table: Record<string, Record<string, string>> = {};
const mismatches: string[] = [];

const viewerKeyOf = (client: TestClient): string => client.userId ?? /(?:^|; )ds_did=([^;]+)/.exec(client.cookieHeader())?.[1] ?? '';

async function signedIn(role: 'viewer' | 'creator'): Promise<TestClient> {
  return new TestClient(t.app).signUp(role);
}

async function waitReady(episodeId: string): Promise<void> {
  await until(
    `the transcode of ${episodeId}`,
    async () => {
      const view = (await owner.get(`/api/v1/episodes/${episodeId}/media`)).json<{ status: string }>();
      if (view.status === 'failed') throw new Error('transcode failed');
      return view.status === 'ready';
    },
    90_000,
  );
}

function urlsFrom(hlsUrl: string, posterUrl: string): Urls {
  const folder = hlsUrl.slice(0, hlsUrl.lastIndexOf('/') + 1);
  return { master: hlsUrl, media: `${folder}${variant}`, segment: `${folder}${segmentPath}`, key: `${folder}key`, poster: posterUrl };
}

/** `/media/<token>/<expires>/<viewerKey>/<episode>/<asset>/<file>`: replace some of the first five parts. */
function rewrite(url: string, change: { token?: string; expires?: string; viewerKey?: string }): string {
  const parts = url.split('/');
  if (change.token) parts[2] = change.token;
  if (change.expires) parts[3] = change.expires;
  if (change.viewerKey) parts[4] = change.viewerKey;
  return parts.join('/');
}
const mapUrls = (urls: Urls, f: (url: string) => string): Urls =>
  Object.fromEntries(FILES.map((file) => [file, f(urls[file])])) as Urls;

async function playback(client: TestClient, ep: Ep): Promise<{ status: number; urls: Urls | null }> {
  const response = await client.get(`/api/v1/episodes/${episodeIds[ep]}/playback`);
  if (response.statusCode !== 200) return { status: response.statusCode, urls: null };
  const body = response.json<{ hlsUrl: string; posterUrl: string | null }>();
  return { status: 200, urls: urlsFrom(body.hlsUrl, body.posterUrl ?? '') };
}

let ownerUrls = {} as Record<Ep, Urls>;

/** The caller's own URLs when playback signs them; otherwise the same paths for the caller's viewer key, with no valid token. */
async function ownAttempt(client: TestClient, ep: Ep): Promise<Attempt> {
  const played = await playback(client, ep);
  const urls = played.urls ?? mapUrls(ownerUrls[ep], (url) => rewrite(url, { viewerKey: viewerKeyOf(client) }));
  return { client, urls, playback: played.status };
}

function ivFrom(mediaPlaylist: string): Buffer {
  const iv = /#EXT-X-KEY:[^\n]*IV=0x([0-9a-fA-F]{32})/.exec(mediaPlaylist)?.[1];
  if (iv) return Buffer.from(iv, 'hex');
  // No IV attribute: the media sequence number of the segment, big-endian (RFC 8216 §5.2).
  const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(mediaPlaylist)?.[1] ?? 0);
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(sequence, 12);
  return bytes;
}

function decrypt(segment: Buffer, key: Buffer, iv: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([decipher.update(segment), decipher.final()]);
  } catch {
    return null;
  }
}

/** Fetches every file of every episode for one row and checks each against the expectation. */
async function evaluateRow(row: string, attempts: Record<Ep, Attempt>, expected: (ep: Ep, file: File) => Verdict, expectedPlayback: Record<Ep, number> | null): Promise<void> {
  for (const ep of EPISODES) {
    const { client, urls } = attempts[ep];
    const cells: Record<string, string> = {};
    const bodies = {} as Record<File, Buffer>;
    if (expectedPlayback) {
      const got = attempts[ep].playback;
      cells.playback = String(got);
      if (got !== expectedPlayback[ep]) mismatches.push(`${row} / ${ep} / playback: expected ${expectedPlayback[ep]}, got ${got}`);
    } else {
      cells.playback = '—';
    }
    for (const file of FILES) {
      const response = await client.get(urls[file]);
      const code = response.statusCode === 200 ? null : (response.json<{ code?: string }>().code ?? null);
      const verdict = expected(ep, file);
      const [status, wantedCode] = EXPECTED_STATUS[verdict];
      bodies[file] = response.rawPayload;
      cells[file] = code ? `${response.statusCode} ${code === 'MEDIA_TOKEN_INVALID' ? 'token' : code === 'ENTITLEMENT_REQUIRED' ? 'entitlement' : code}` : String(response.statusCode);
      if (response.statusCode !== status || code !== wantedCode) {
        mismatches.push(`${row} / ${ep} / ${file}: expected ${status} ${wantedCode ?? ''}, got ${response.statusCode} ${code ?? ''}`);
      }
    }
    checkContent(`${row} / ${ep}`, ep, urls, bodies, (file) => expected(ep, file) === 'allow', cells);
    table[`${row} · ${ep}`] = cells;
  }
}

/** What allowed cells carry: the playlists point at the key, and only the served key turns the segment into the source. */
function checkContent(where: string, ep: Ep, urls: Urls, bodies: Record<File, Buffer>, allowed: (file: File) => boolean, cells: Record<string, string>): void {
  const fail = (what: string) => mismatches.push(`${where}: ${what}`);
  if (allowed('master') && !bodies.master.toString('utf8').split('\n').includes(variant)) fail('master playlist does not list the variant');
  if (allowed('poster') && !(bodies.poster[0] === 0xff && bodies.poster[1] === 0xd8)) fail('poster is not a JPEG');
  if (!allowed('segment')) return;
  const segment = bodies.segment;
  // Every segment leaves the server encrypted, whoever asks.
  // A lone 0x47 first byte happens in 1 of 256 ciphertexts; clear MPEG-TS has the sync byte every 188 bytes.
  const looksLikeTransportStream = [0, 188, 376, 564].every((at) => segment[at] === 0x47);
  if (looksLikeTransportStream || segment.equals(plaintext)) fail('segment is served in the clear');
  if (!allowed('media')) return;
  const playlist = bodies.media.toString('utf8');
  const keyUri = /#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(playlist)?.[1];
  if (!keyUri || posix.join(posix.dirname(urls.media), keyUri) !== urls.key) fail(`EXT-X-KEY URI ${String(keyUri)} does not resolve to the signed key URL`);
  if (parseMediaPlaylist(playlist)[0]?.uri !== posix.basename(segmentPath)) fail('media playlist does not start with the segment');
  if (!allowed('key')) {
    // Without the key the bytes stay useless: another episode's key does not open them either.
    const other = keys[ep === 'free' ? 'paid' : 'free'];
    if (decrypt(segment, other, ivFrom(playlist))?.equals(plaintext)) fail('segment opens with another key');
    return;
  }
  const key = bodies.key;
  if (key.length !== 16 || !key.equals(keys[ep])) fail('key is not the asset key');
  const clear = decrypt(segment, key, ivFrom(playlist));
  if (!clear?.equals(plaintext)) fail('decrypted segment differs from the transcoder output');
  else cells.key = `${cells.key} ✓decrypts`;
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // One encoder thread: x264 with VBV is deterministic only then, so the reference transcode below is byte-identical.
  t = await startTestPlatform({ PUBLIC_URL: base, TRANSCODE_THREADS: '1' }, { clock });
  registerWorkers(t.platform);
  await t.app.listen({ port, host: '127.0.0.1' });
  t.platform.drivers.queue.start();

  owner = await signedIn('creator');
  seriesId = (await owner.post('/api/v1/series', { title: 'Privacy matrix', synopsis: 'Who may watch' })).json<{ id: string }>().id;
  // inVip is switched on after the bundle purchase below: see the note there.
  const patched = await owner.patch(`/api/v1/series/${seriesId}`, { freeEpisodes: 1, inVip: true, bundlePriceCoins: 150 });
  expect(patched.statusCode, patched.body).toBe(200);
  const clip = await readFile(await testClip());
  for (const [number, ep] of EPISODES.entries()) {
    // All priced: episode 1 is free only through the series' freeEpisodes.
    const created = await owner.post(`/api/v1/series/${seriesId}/episodes`, { number: number + 1, title: ep, priceCoins: 60 });
    episodeIds[ep] = created.json<{ id: string }>().id;
    await uploadWhole({
      endpoint: `${base}/api/v1/uploads`,
      file: clip,
      headers: { cookie: owner.cookieHeader(), 'x-csrf-token': owner.csrfToken ?? '' },
      metadata: { episodeId: episodeIds[ep], filename: `${ep}.mp4` },
    });
  }
  for (const ep of EPISODES) await waitReady(episodeIds[ep]);
  for (const ep of ['free', 'paid'] as const) expect((await owner.post(`/api/v1/episodes/${episodeIds[ep]}/publish`)).statusCode).toBe(200);
  expect((await owner.post(`/api/v1/series/${seriesId}/publish`)).statusCode).toBe(200);

  const db = t.platform.drivers.database.db;
  for (const ep of EPISODES) {
    const [row] = await db.select().from(mediaKeys).where(eq(mediaKeys.episodeId, episodeIds[ep]));
    keys[ep] = row?.key ?? Buffer.alloc(0);
  }
  const [asset] = await db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episodeIds.free));
  if (!asset?.renditions[0]) throw new Error('no rendition');
  variant = asset.renditions[0].playlist;
  const refDir = await mkdtemp(join(tmpdir(), 'ds-matrix-ref-'));
  try {
    await transcodeEpisode({
      input: await testClip(),
      outDir: refDir,
      fit: asset.fit,
      rungs: planLadder({ width: asset.width ?? 0, height: asset.height ?? 0 }, asset.fit),
      sourceDurationMs: 0,
      threads: 1,
    });
    const first = parseMediaPlaylist(await readFile(join(refDir, variant), 'utf8'))[0];
    segmentPath = posix.join(posix.dirname(variant), first?.uri ?? '');
    plaintext = await readFile(join(refDir, segmentPath));
  } finally {
    await rm(refDir, { recursive: true, force: true });
  }
  const played = await Promise.all(EPISODES.map((ep) => playback(owner, ep)));
  ownerUrls = Object.fromEntries(EPISODES.map((ep, i) => [ep, played[i]?.urls])) as Record<Ep, Urls>;
}, 120_000);

afterAll(async () => {
  await t?.platform.drivers.queue.stop(2_000);
  await t?.close();
});

describe(`privacy matrix of encrypted playback (${label})`, () => {
  it('allows or denies every caller × file × episode exactly, and only allowed keys decrypt the source', async () => {
    const expireAfterTokenMs = (t.config.media.tokenTtlSeconds + 1) * 1000;
    const wallet = t.platform.modules.wallet.service;
    const fund = (client: TestClient, coins: number) =>
      wallet.grantBonus(undefined, { userId: client.userId ?? '', coins, expiresAt: new Date(clock.now().getTime() + 90 * 86_400_000), source: 'test', reference: `matrix:${client.userId}` });

    const anonymous = new TestClient(t.app);
    await anonymous.get('/api/v1/auth/me');
    const viewer = await signedIn('viewer');
    const unlocker = await signedIn('viewer');
    await fund(unlocker, 60);
    const unlocked = await unlocker.request('POST', `/api/v1/episodes/${episodeIds.paid}/unlock`, {}, { 'idempotency-key': 'matrix-unlock-0001' });
    expect(unlocked.json()).toMatchObject({ unlocked: true, coinsSpent: 60 });
    const bundler = await signedIn('viewer');
    await fund(bundler, 150);
    const bundle = await bundler.request('POST', `/api/v1/series/${seriesId}/unlock`, { offer: 'bundle', expectedCoins: 150 }, { 'idempotency-key': 'matrix-bundle-0001' });
    expect(bundle.statusCode, bundle.body).toBe(200);
    const vip = await signedIn('viewer');
    const purchase = await vip.request('POST', '/api/v1/vip/purchases', { planId: 'weekly' }, { 'idempotency-key': 'matrix-vip-0001' });
    expect(purchase.statusCode, purchase.body).toBe(201);
    const paid = await fetch(`${purchase.json<{ redirectUrl: string }>().redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    await until('the VIP webhook', () => t.platform.modules.vip.service.isActive(vip.userId ?? ''));
    const thief = await signedIn('viewer');
    await t.platform.modules.identity.service.ensureUser({ email: 'matrix-admin@example.com', password: 'correct horse battery', displayName: 'Admin', role: 'admin' });
    const admin = new TestClient(t.app);
    expect((await admin.post('/api/v1/auth/signin', { email: 'matrix-admin@example.com', password: 'correct horse battery' })).statusCode).toBe(200);

    const attempts = async (client: TestClient) =>
      Object.fromEntries(await Promise.all(EPISODES.map(async (ep) => [ep, await ownAttempt(client, ep)] as const))) as Record<Ep, Attempt>;
    const onlyFree = (ep: Ep): Verdict => (ep === 'free' ? 'allow' : 'token');
    const notDraft = (ep: Ep): Verdict => (ep === 'draft' ? 'token' : 'allow');
    const everything = (): Verdict => 'allow';
    const nothing = (): Verdict => 'token';
    const free200 = { free: 200, paid: 403, draft: 404 };
    const entitled200 = { free: 200, paid: 200, draft: 404 };

    // Now (the clock at T0): everyone with their own playback, and borrowed or grafted tokens.
    const rows: [string, TestClient, (ep: Ep, file: File) => Verdict, Record<Ep, number>][] = [
      ['anonymous', anonymous, onlyFree, free200],
      ['signed-in, no entitlement', viewer, onlyFree, free200],
      ['unlocked (coins)', unlocker, notDraft, entitled200],
      ['bundle', bundler, notDraft, entitled200],
      ['VIP active', vip, notDraft, entitled200],
    ];
    const unlockerAt0 = await attempts(unlocker);
    for (const [row, client, expected, playbackStatus] of rows) await evaluateRow(row, row === 'unlocked (coins)' ? unlockerAt0 : await attempts(client), expected, playbackStatus);
    const borrowed = (ep: Ep): Urls => (ep === 'draft' ? ownerUrls.draft : unlockerAt0[ep].urls);
    await evaluateRow("another viewer's token", Object.fromEntries(EPISODES.map((ep) => [ep, { client: thief, urls: borrowed(ep), playback: null }])) as Record<Ep, Attempt>, nothing, null);
    const graftFrom: Record<Ep, Ep> = { free: 'paid', paid: 'free', draft: 'paid' };
    const grafted = (ep: Ep): Attempt => {
      const source = ep === 'draft' ? ownerUrls : { free: unlockerAt0.free.urls, paid: unlockerAt0.paid.urls, draft: ownerUrls.draft };
      const [, , token = '', expires = ''] = source[graftFrom[ep]].master.split('/');
      return { client: ep === 'draft' ? owner : unlocker, urls: mapUrls(source[ep], (url) => rewrite(url, { token, expires })), playback: null };
    };
    await evaluateRow('token for another episode', { free: grafted('free'), paid: grafted('paid'), draft: grafted('draft') }, nothing, null);
    await evaluateRow('owner producer', await attempts(owner), everything, { free: 200, paid: 200, draft: 200 });
    await evaluateRow('admin', await attempts(admin), everything, { free: 200, paid: 200, draft: 200 });

    // A token from the secret (as if leaked) but no entitlement: playlists and segments pass, the key does not.
    const signer = createHmacSigner(t.config.secrets.mediaSecret);
    const minted = (client: TestClient): Record<Ep, Attempt> =>
      Object.fromEntries(
        EPISODES.map((ep) => {
          const viewerKey = viewerKeyOf(client);
          const expiresAt = new Date(clock.now().getTime() + 60_000);
          const token = signer.sign({ episodeId: episodeIds[ep], viewerKey, expiresAt });
          const folder = mediaFileUrl({ token, expiresAtSeconds: toEpochSeconds(expiresAt), viewerKey, episodeId: episodeIds[ep], assetId: ownerUrls[ep].master.split('/')[6] ?? '' }, '');
          const urls = urlsFrom(`${folder}master.m3u8`, `${folder}${posix.basename(ownerUrls[ep].poster)}`);
          return [ep, { client, urls, playback: null }];
        }),
      ) as Record<Ep, Attempt>;
    const keyGate = (ep: Ep, file: File): Verdict => (file !== 'key' || ep === 'free' ? 'allow' : ep === 'paid' ? 'entitlement' : 'gone');
    await evaluateRow('anonymous, leaked valid token', minted(anonymous), keyGate, null);
    await evaluateRow('signed-in, leaked valid token', minted(viewer), keyGate, null);

    // Later: every token issued at T0 has expired.
    clock.advance(expireAfterTokenMs);
    await evaluateRow('expired token', { free: { ...unlockerAt0.free, playback: null }, paid: { ...unlockerAt0.paid, playback: null }, draft: { client: owner, urls: ownerUrls.draft, playback: null } }, nothing, null);

    // The VIP week ends while a token issued before its end is still valid: the key is refused at once.
    const periodEnd = new Date((await vip.get('/api/v1/vip')).json<{ membership: { periodEnd: string } }>().membership.periodEnd);
    clock.set(new Date(periodEnd.getTime() - 5 * 60_000));
    const beforeEnd = await attempts(vip);
    expect([beforeEnd.free.playback, beforeEnd.paid.playback]).toEqual([200, 200]);
    clock.advance(6 * 60_000);
    expect(await t.platform.modules.vip.service.isActive(vip.userId ?? '')).toBe(false);
    for (const ep of EPISODES) beforeEnd[ep].playback = (await playback(vip, ep)).status;
    await evaluateRow('VIP expired', beforeEnd, (ep, file) => (ep === 'draft' ? 'token' : ep === 'paid' && file === 'key' ? 'entitlement' : 'allow'), free200);

    console.table(table);
    expect(mismatches).toEqual([]);
    expect(Object.keys(table)).toHaveLength(13 * 3);
  }, 60_000);

  it('keeps keys out of storage and apart per asset, and posters public only once published', async () => {
    expect(new Set(EPISODES.map((ep) => keys[ep].toString('hex'))).size).toBe(3);
    const walk = async (dir: string): Promise<string[]> =>
      (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    const files = await walk(t.config.mediaDir);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const ep of EPISODES) expect(bytes.includes(keys[ep]), file).toBe(false);
    }
    const anonymous = new TestClient(t.app);
    expect((await anonymous.get(`/api/v1/episodes/${episodeIds.paid}/poster`)).statusCode).toBe(200);
    expect((await anonymous.get(`/api/v1/episodes/${episodeIds.draft}/poster`)).statusCode).toBe(404);
    expect((await owner.get(`/api/v1/episodes/${episodeIds.draft}/poster`)).statusCode).toBe(200);
  });
});
