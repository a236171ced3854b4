import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { createHmacSigner, mediaFileUrl, toEpochSeconds, type MediaPathParts } from '../../src/drivers/signing/index.ts';
import { mediaAssets, mediaKeys } from '../../src/modules/media/schema.ts';
import type { TestEpisode } from './support/episode-access.ts';
import { startMediaHarness, type MediaHarness, type TestUser } from './support/harness.ts';
import { findNginx, startNginx, type RunningNginx } from './support/nginx.ts';

const nginxBinary = findNginx();

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET whose path goes out byte for byte (fetch would normalize dot segments). */
function rawGet(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe.runIf(nginxBinary !== null)('nginx serves media with secure_link, using docs/nginx/dualstream.conf', () => {
  let h: MediaHarness;
  let nginx: RunningNginx;
  let creator: TestUser;
  let episode: TestEpisode;
  let otherEpisode: TestEpisode;
  const assetId = newId('asset');
  const device = newId('device');
  const segment = randomBytes(50_000);
  const poster = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(2000)]);
  const hlsKey = randomBytes(16);
  let pricedEpisode: TestEpisode;
  const pricedAssetId = newId('asset');
  const pricedKey = randomBytes(16);
  const signer = () => createHmacSigner(h.config.secrets.mediaSecret);

  function parts(viewerKey: string, options: { episodeId?: string; expiresAt?: Date } = {}): MediaPathParts {
    const episodeId = options.episodeId ?? episode.id;
    const expiresAt = options.expiresAt ?? new Date(Date.now() + 120_000);
    return { token: signer().sign({ episodeId, viewerKey, expiresAt }), expiresAtSeconds: toEpochSeconds(expiresAt), viewerKey, episodeId, assetId };
  }

  const asDevice = (id: string) => ({ cookie: `ds_did=${id}`, 'x-test-device': id });

  async function expectDenied(path: string, headers: Record<string, string>, detail: RegExp): Promise<void> {
    const response = await rawGet(nginx.baseUrl, path, headers);
    expect(response.status, path).toBe(403);
    expect(response.headers['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(response.body.toString('utf8')) as { code: string; detail: string };
    expect(problem.code).toBe('MEDIA_TOKEN_INVALID');
    expect(problem.detail).toMatch(detail);
  }

  beforeAll(async () => {
    h = await startMediaHarness({ worker: false });
    creator = h.addUser('creator');
    episode = h.access.addEpisode(creator.id, { published: true });
    otherEpisode = h.access.addEpisode(creator.id, { published: true });
    // A published asset, as the transcode job leaves it.
    const folder = `hls/${episode.id}/${assetId}/`;
    await h.storage.putBuffer(`${folder}master.m3u8`, Buffer.from('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=480x854\n480p/index.m3u8\n'));
    await h.storage.putBuffer(`${folder}480p/index.m3u8`, Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_000.ts\n#EXT-X-ENDLIST\n'));
    await h.storage.putBuffer(`${folder}480p/seg_000.ts`, segment);
    await h.storage.putBuffer(`${folder}poster.jpg`, poster);
    await h.storage.putBuffer(`sources/${assetId}/source.mp4`, randomBytes(1000));
    await h.database.db.insert(mediaAssets).values({
      id: assetId,
      episodeId: episode.id,
      uploaderId: creator.id,
      status: 'ready',
      progress: 100,
      masterPlaylist: 'master.m3u8',
      posterKey: `${folder}poster.jpg`,
      width: 480,
      height: 854,
      durationMs: 2000,
    });
    await h.database.db.insert(mediaKeys).values({ assetId, episodeId: episode.id, key: hlsKey, iv: randomBytes(16) });
    // A file named like the key in the asset folder must never be what a player gets.
    await h.storage.putBuffer(`${folder}key`, randomBytes(16));

    pricedEpisode = h.access.addEpisode(creator.id, { published: true, priceCoins: 60 });
    await h.storage.putBuffer(`hls/${pricedEpisode.id}/${pricedAssetId}/master.m3u8`, Buffer.from('#EXTM3U\n'));
    await h.database.db.insert(mediaAssets).values({ id: pricedAssetId, episodeId: pricedEpisode.id, uploaderId: creator.id, status: 'ready', progress: 100, masterPlaylist: 'master.m3u8' });
    await h.database.db.insert(mediaKeys).values({ assetId: pricedAssetId, episodeId: pricedEpisode.id, key: pricedKey, iv: randomBytes(16) });
    const address = h.app.server.address();
    if (!address || typeof address === 'string') throw new Error('app is not listening');
    nginx = await startNginx({ binary: nginxBinary ?? 'nginx', mediaDir: h.config.mediaDir, secret: h.config.secrets.mediaSecret, appPort: address.port });
  });

  afterAll(async () => {
    await nginx?.stop();
    await h?.close();
  });

  it('serves a segment signed by our signer, with ranges, to the device it was issued to', async () => {
    const url = mediaFileUrl(parts(device), '480p/seg_000.ts');
    const response = await rawGet(nginx.baseUrl, url, asDevice(device));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('video/mp2t');
    expect(response.headers['cache-control']).toBe('private, max-age=600');
    expect(response.body.equals(segment)).toBe(true);

    const ranged = await rawGet(nginx.baseUrl, url, { ...asDevice(device), range: 'bytes=10-19' });
    expect(ranged.status).toBe(206);
    expect(ranged.body.equals(segment.subarray(10, 20))).toBe(true);

    const image = await rawGet(nginx.baseUrl, mediaFileUrl(parts(device), 'poster.jpg'), asDevice(device));
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect(image.body.equals(poster)).toBe(true);
  });

  it('refuses tampered, stretched, expired and foreign-episode tokens', async () => {
    const good = parts(device);
    const file = '480p/seg_000.ts';
    // The first character: the last one carries only 2 bits, and nginx ignores the 4 spare ones.
    const flipped = `${good.token.startsWith('A') ? 'B' : 'A'}${good.token.slice(1)}`;
    await expectDenied(mediaFileUrl({ ...good, token: flipped }, file), asDevice(device), /not valid/);
    await expectDenied(mediaFileUrl({ ...good, expiresAtSeconds: good.expiresAtSeconds + 3600 }, file), asDevice(device), /not valid/);
    await expectDenied(mediaFileUrl(parts(device, { expiresAt: new Date(Date.now() - 5_000) }), file), asDevice(device), /expired/);
    // This episode's token on another episode's path.
    await expectDenied(mediaFileUrl({ ...good, episodeId: otherEpisode.id }, file), asDevice(device), /not valid/);
    // A genuine token for the other episode pointed at this episode's asset: no such file there.
    const foreign = await rawGet(nginx.baseUrl, mediaFileUrl(parts(device, { episodeId: otherEpisode.id }), file), asDevice(device));
    expect(foreign.status).toBe(404);
    expect(foreign.body.equals(segment)).toBe(false);
  });

  it('binds anonymous links to the ds_did cookie', async () => {
    const url = mediaFileUrl(parts(device), '480p/seg_000.ts');
    await expectDenied(url, {}, /another viewer/);
    await expectDenied(url, asDevice(newId('device')), /another viewer/);
  });

  it('never leaves the asset folder or serves anything but media files', async () => {
    const good = parts(device);
    const base = mediaFileUrl(good, '').slice(0, -1);
    for (const path of [
      `${base}/../../../sources/${assetId}/source.mp4`,
      `${base}/..%2f..%2f..%2fsources%2f${assetId}%2fsource.mp4`,
      `${base}/%2e%2e/%2e%2e/%2e%2e/sources/${assetId}/source.mp4`,
      `${base}/master.key`,
      `/media/${good.token}/${good.expiresAtSeconds}/${device}/${episode.id}/${assetId}`,
    ]) {
      const response = await rawGet(nginx.baseUrl, path, asDevice(device));
      expect(response.status, path).toBe(403);
      expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({ code: 'MEDIA_TOKEN_INVALID' });
    }
  });

  it('asks the app about playlists, which binds signed-in viewers to their session', async () => {
    const master = mediaFileUrl(parts(device), 'master.m3u8');
    const ok = await rawGet(nginx.baseUrl, master, asDevice(device));
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(ok.body.toString('utf8')).toContain('480p/index.m3u8');
    const rendition = await rawGet(nginx.baseUrl, mediaFileUrl(parts(device), '480p/index.m3u8'), asDevice(device));
    expect(rendition.status).toBe(200);
    expect(rendition.body.toString('utf8')).toContain('seg_000.ts');

    const viewer = h.addUser('viewer');
    const userMaster = mediaFileUrl(parts(viewer.id), 'master.m3u8');
    const withSession = await rawGet(nginx.baseUrl, userMaster, { ...asDevice(device), 'x-test-session': viewer.id });
    expect(withSession.status).toBe(200);
    // The same link without that user's session: the app says no, so nginx does too.
    expect((await rawGet(nginx.baseUrl, userMaster, asDevice(device))).status).toBe(403);
    const stranger = h.addUser('viewer');
    expect((await rawGet(nginx.baseUrl, userMaster, { ...asDevice(device), 'x-test-session': stranger.id })).status).toBe(403);
  });

  it('passes the HLS key to the app, which checks the entitlement at that moment', async () => {
    const keyUrl = mediaFileUrl(parts(device), 'key');
    const key = await rawGet(nginx.baseUrl, keyUrl, asDevice(device));
    expect(key.status).toBe(200);
    expect(key.headers['content-type']).toBe('application/octet-stream');
    expect(key.headers['cache-control']).toBe('no-store');
    // The key row from the database, not the decoy file on disk: the app answered.
    expect(key.body.equals(hlsKey)).toBe(true);
    await expectDenied(mediaFileUrl({ ...parts(device), token: parts(newId('device')).token }, 'key'), asDevice(device), /not valid/);
    await expectDenied(mediaFileUrl(parts(device, { expiresAt: new Date(Date.now() - 5_000) }), 'key'), asDevice(device), /expired/);
    await expectDenied(keyUrl, asDevice(newId('device')), /another viewer/);

    // A priced episode: a valid token is not enough, only an entitlement that holds now is.
    const pricedParts: MediaPathParts = { ...parts(device, { episodeId: pricedEpisode.id }), assetId: pricedAssetId };
    const pricedKeyUrl = mediaFileUrl(pricedParts, 'key');
    expect((await rawGet(nginx.baseUrl, mediaFileUrl(pricedParts, 'master.m3u8'), asDevice(device))).status).toBe(200);
    const locked = await rawGet(nginx.baseUrl, pricedKeyUrl, asDevice(device));
    expect(locked.status).toBe(403);
    expect(JSON.parse(locked.body.toString('utf8'))).toMatchObject({ code: 'ENTITLEMENT_REQUIRED' });
    h.access.entitlements.add(`${device}:${pricedEpisode.id}`);
    const unlocked = await rawGet(nginx.baseUrl, pricedKeyUrl, asDevice(device));
    expect(unlocked.status).toBe(200);
    expect(unlocked.body.equals(pricedKey)).toBe(true);
    h.access.entitlements.delete(`${device}:${pricedEpisode.id}`);
    expect((await rawGet(nginx.baseUrl, pricedKeyUrl, asDevice(device))).status).toBe(403);

    // A signed-in viewer's key is bound to the session by the app, as playlists are.
    const viewer = h.addUser('viewer');
    const userKeyUrl = mediaFileUrl(parts(viewer.id), 'key');
    expect((await rawGet(nginx.baseUrl, userKeyUrl, { ...asDevice(device), 'x-test-session': viewer.id })).status).toBe(200);
    expect((await rawGet(nginx.baseUrl, userKeyUrl, asDevice(device))).status).toBe(403);
  });

  it('proxies everything else to the app', async () => {
    const response = await fetch(`${nginx.baseUrl}/api/v1/episodes/${episode.id}/playback`, { headers: asDevice(device) });
    expect(response.status).toBe(200);
    const playback = (await response.json()) as { hlsUrl: string };
    expect(playback.hlsUrl).toContain(`/${assetId}/master.m3u8`);
    // The URL the app hands out plays through nginx.
    const master = await rawGet(nginx.baseUrl, playback.hlsUrl, asDevice(device));
    expect(master.status).toBe(200);
    const missing = await fetch(`${nginx.baseUrl}/api/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});
