import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { createHmacSigner, mediaFileUrl } from '../../src/drivers/signing/index.ts';
import type { MediaView, PlaybackView } from '../../src/modules/media/index.ts';
import { decodeVideo, testClip } from './support/clip.ts';
import { MEDIA_SECRET, startMediaHarness, waitFor, type MediaHarness, type TestUser } from './support/harness.ts';
import type { TestEpisode } from './support/episode-access.ts';
import { startTusUpload, uploadWhole } from './support/tus.ts';

const CHUNK = 256 * 1024;

/** A GET whose path goes out exactly as written: no client-side dot-segment normalization. */
function rawGet(baseUrl: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('media: resumable upload → HLS ladder → signed playback', () => {
  let h: MediaHarness;
  let creator: TestUser;
  let otherCreator: TestUser;
  let episode: TestEpisode;
  let clip: Buffer;
  let firstAssetId = '';
  const viewerDevice = newId('device');
  const otherDevice = newId('device');

  const endpoint = () => `${h.baseUrl}/api/v1/uploads`;

  async function mediaOf(episodeId: string, user: TestUser): Promise<MediaView> {
    const response = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episodeId}/media`, headers: user.headers });
    expect(response.statusCode).toBe(200);
    return response.json<MediaView>();
  }

  async function waitUntilReady(episodeId: string, assetId?: string): Promise<MediaView> {
    return waitFor('the transcode to finish', async () => {
      const media = await mediaOf(episodeId, creator);
      if (media.status === 'failed') throw new Error(`transcode failed: ${media.failureReason ?? ''}`);
      return media.status === 'ready' && (!assetId || media.assetId === assetId) ? media : undefined;
    });
  }

  async function playback(episodeId: string, device: string): Promise<PlaybackView> {
    const response = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episodeId}/playback`, headers: { 'x-test-device': device } });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<PlaybackView>();
  }

  function getMedia(url: string, device: string, extra: Record<string, string> = {}) {
    return h.app.inject({ method: 'GET', url, headers: { 'x-test-device': device, ...extra } });
  }

  beforeAll(async () => {
    h = await startMediaHarness();
    creator = h.addUser('creator');
    otherCreator = h.addUser('creator');
    episode = h.access.addEpisode(creator.id, { published: true });
    clip = await readFile(await testClip());
  });

  afterAll(async () => {
    await h?.close();
  });

  it('resumes an interrupted upload from the offset the server reports, then queues the transcode', async () => {
    expect(clip.length).toBeGreaterThan(2 * CHUNK);
    const metadata = { episodeId: episode.id, filename: 'pilot.mp4' };
    const first = startTusUpload({
      endpoint: endpoint(),
      file: clip,
      headers: creator.headers,
      metadata,
      chunkSize: CHUNK,
      onChunk: (_accepted, run) => void run.upload.abort(),
    });
    const uploadUrl = await waitFor('the first chunk', async () => (first.accepted.length > 0 && first.upload.url ? first.upload.url : undefined), 20_000, 20);
    expect(first.accepted).toEqual([CHUNK]);

    const head = await fetch(uploadUrl, { method: 'HEAD', headers: { ...creator.headers, 'tus-resumable': '1.0.0' } });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBe(CHUNK);
    expect(Number(head.headers.get('upload-length'))).toBe(clip.length);

    // Only the uploader may look at or continue the upload.
    const stranger = await fetch(uploadUrl, { method: 'HEAD', headers: { ...otherCreator.headers, 'tus-resumable': '1.0.0' } });
    expect(stranger.status).toBe(403);
    const anonymous = await fetch(uploadUrl, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect(anonymous.status).toBe(401);
    const hijack = await fetch(uploadUrl, {
      method: 'PATCH',
      headers: { ...otherCreator.headers, 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' },
      body: new Uint8Array(clip.subarray(offset, offset + 1024)),
    });
    expect(hijack.status).toBe(403);
    expect(hijack.headers.get('content-type')).toContain('application/problem+json');

    const during = await mediaOf(episode.id, creator);
    expect(during.status).toBe('uploading');
    firstAssetId = during.assetId;

    const second = startTusUpload({ endpoint: endpoint(), uploadUrl, file: clip, headers: creator.headers, metadata, chunkSize: CHUNK });
    await second.done;
    // The second session picked up at the server's offset instead of sending the first chunk again.
    expect(second.accepted[0]).toBe(Math.min(offset + CHUNK, clip.length));
    expect(second.accepted.at(-1)).toBe(clip.length);

    const after = await mediaOf(episode.id, creator);
    expect(after.assetId).toBe(firstAssetId);
    expect(['queued', 'transcoding', 'ready']).toContain(after.status);
    // The source moved into storage; tus keeps nothing once the upload is accepted.
    const files = await h.listDataFiles();
    expect(files.filter((f) => f.startsWith('uploads/'))).toEqual([]);
    expect(files).toContain(`media/sources/${firstAssetId}/source.mp4`);
  });

  it('transcodes to a ladder that ffmpeg decodes over HTTP through the signed URLs', async () => {
    const media = await waitUntilReady(episode.id, firstAssetId);
    expect(media.progress).toBe(100);
    expect(media.width).toBe(360);
    expect(media.height).toBe(640);
    expect(media.durationMs).toBeGreaterThan(5500);
    expect(media.durationMs).toBeLessThan(6600);
    expect(media.renditions.length).toBeGreaterThan(0);
    expect(media.sceneCutsMs.some((ms) => Math.abs(ms - 3000) < 600)).toBe(true);

    const statuses = h.access.updates.filter((u) => u.assetId === firstAssetId).map((u) => u.status);
    expect(statuses).toEqual(expect.arrayContaining(['uploading', 'queued', 'transcoding', 'ready']));
    expect(statuses.at(-1)).toBe('ready');
    expect(h.access.updates.at(-1)?.episode).toEqual({ mediaStatus: 'ready', mediaAssetId: firstAssetId, durationMs: media.durationMs });

    h.access.resumeAt.set(`${viewerDevice}:${episode.id}`, 4200);
    const play = await playback(episode.id, viewerDevice);
    expect(play.resumeAtMs).toBe(4200);
    expect(play.hlsUrl).toMatch(new RegExp(`^/media/[A-Za-z0-9_-]{22}/\\d+/${viewerDevice}/${episode.id}/${firstAssetId}/master\\.m3u8$`));
    const ttlMs = Date.parse(play.expiresAt) - Date.now();
    expect(ttlMs).toBeGreaterThan((h.config.media.tokenTtlSeconds - 5) * 1000);
    expect(ttlMs).toBeLessThanOrEqual(h.config.media.tokenTtlSeconds * 1000);

    const headers = `X-Test-Device: ${viewerDevice}\r\n`;
    const master = await decodeVideo(`${h.baseUrl}${play.hlsUrl}`, headers);
    expect(master.frames).toBeGreaterThan(150);
    const masterText = await (await fetch(`${h.baseUrl}${play.hlsUrl}`, { headers: { 'x-test-device': viewerDevice } })).text();
    const variants = masterText.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(variants.length).toBe(media.renditions.length);
    for (const variant of variants) {
      const url = new URL(variant, `${h.baseUrl}${play.hlsUrl}`);
      const decoded = await decodeVideo(url.toString(), headers);
      const rendition = media.renditions.find((r) => variant.startsWith(`${r.name}/`));
      expect(decoded.frames).toBeGreaterThan(150);
      expect(decoded.width).toBe(rendition?.width);
      expect(decoded.height).toBe(rendition?.height);
    }
  });

  it('serves media files with their content type, private caching and byte ranges', async () => {
    const play = await playback(episode.id, viewerDevice);
    const masterResponse = await getMedia(play.hlsUrl, viewerDevice);
    expect(masterResponse.statusCode).toBe(200);
    expect(masterResponse.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(String(masterResponse.headers['cache-control']))?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(h.config.media.tokenTtlSeconds);

    const folder = play.hlsUrl.slice(0, play.hlsUrl.lastIndexOf('/') + 1);
    const rendition = masterResponse.body.split('\n').find((l) => l && !l.startsWith('#')) ?? '';
    const playlist = await getMedia(`${folder}${rendition}`, viewerDevice);
    const segmentName = playlist.body.split('\n').find((l) => l && !l.startsWith('#')) ?? '';
    const segmentUrl = `${folder}${rendition.slice(0, rendition.lastIndexOf('/') + 1)}${segmentName}`;
    const whole = await getMedia(segmentUrl, viewerDevice);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp2t');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    const bytes = whole.rawPayload;
    expect(Number(whole.headers['content-length'])).toBe(bytes.length);

    const head = await h.app.inject({ method: 'HEAD', url: segmentUrl, headers: { 'x-test-device': viewerDevice } });
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(bytes.length);
    expect(head.rawPayload.length).toBe(0);

    const partial = await getMedia(segmentUrl, viewerDevice, { range: 'bytes=100-299' });
    expect(partial.statusCode).toBe(206);
    expect(partial.headers['content-range']).toBe(`bytes 100-299/${bytes.length}`);
    expect(partial.rawPayload.equals(bytes.subarray(100, 300))).toBe(true);
    const suffix = await getMedia(segmentUrl, viewerDevice, { range: 'bytes=-10' });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(bytes.subarray(bytes.length - 10))).toBe(true);
    const beyond = await getMedia(segmentUrl, viewerDevice, { range: `bytes=${bytes.length}-` });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(beyond.json<{ code: string }>().code).toBe('RANGE_NOT_SATISFIABLE');

    expect(play.posterUrl).not.toBeNull();
    const poster = await getMedia(play.posterUrl ?? '', viewerDevice);
    expect(poster.statusCode).toBe(200);
    expect(poster.headers['content-type']).toBe('image/jpeg');
    expect(poster.rawPayload.subarray(0, 2).toString('hex')).toBe('ffd8');
    const vtt = await getMedia(play.thumbnailsVttUrl ?? '', viewerDevice);
    expect(vtt.statusCode).toBe(200);
    expect(vtt.headers['content-type']).toMatch(/^text\/vtt/);
    expect(vtt.body.startsWith('WEBVTT')).toBe(true);
    const spriteRef = /^(\S+\.jpg)#xywh=/m.exec(vtt.body)?.[1] ?? '';
    const sprite = await getMedia(`${folder}${spriteRef}`, viewerDevice);
    expect(sprite.statusCode).toBe(200);
    expect(sprite.headers['content-type']).toBe('image/jpeg');
  });

  it('refuses media URLs without a valid token for this viewer, episode and time', async () => {
    const play = await playback(episode.id, viewerDevice);
    const [, , token = '', expires = '', viewer = '', episodeId = '', assetId = ''] = play.hlsUrl.split('/');
    const signer = createHmacSigner(MEDIA_SECRET);
    const expectDenied = async (url: string, device = viewerDevice) => {
      const response = await getMedia(url, device);
      expect(response.statusCode, url).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json<{ code: string }>().code).toBe('MEDIA_TOKEN_INVALID');
      return response.json<{ detail: string }>().detail;
    };
    expect((await getMedia(play.hlsUrl, viewerDevice)).statusCode).toBe(200);

    // No token, a tampered token, a stretched expiry.
    await expectDenied(`/media/-/${expires}/${viewer}/${episodeId}/${assetId}/master.m3u8`);
    await expectDenied(`/media/${token.startsWith('A') ? 'B' : 'A'}${token.slice(1)}/${expires}/${viewer}/${episodeId}/${assetId}/master.m3u8`);
    await expectDenied(`/media/${token}/${Number(expires) + 3600}/${viewer}/${episodeId}/${assetId}/master.m3u8`);
    // Another viewer replaying the link (the device cookie differs).
    expect(await expectDenied(play.hlsUrl, otherDevice)).toMatch(/another viewer/);
    // A genuine token for another episode cannot reach this episode's asset.
    const otherEpisode = h.access.addEpisode(creator.id, { published: true });
    const expiresAt = new Date(Date.now() + 60_000);
    const otherToken = signer.sign({ episodeId: otherEpisode.id, viewerKey: viewerDevice, expiresAt });
    const otherParts = { token: otherToken, expiresAtSeconds: Math.floor(expiresAt.getTime() / 1000), viewerKey: viewerDevice, episodeId: otherEpisode.id, assetId };
    expect(await expectDenied(mediaFileUrl(otherParts, 'master.m3u8'))).toMatch(/does not match/);
    await expectDenied(`/media/${otherToken}/${otherParts.expiresAtSeconds}/${viewer}/${episodeId}/${assetId}/master.m3u8`);
    // Expired.
    const past = new Date(Date.now() - 5_000);
    const expired = mediaFileUrl(
      { token: signer.sign({ episodeId, viewerKey: viewerDevice, expiresAt: past }), expiresAtSeconds: Math.floor(past.getTime() / 1000), viewerKey: viewerDevice, episodeId, assetId },
      'master.m3u8',
    );
    expect(await expectDenied(expired)).toMatch(/expired/);
    // Paths that try to leave the asset folder, sent byte for byte (inject and fetch would normalize them).
    const base = `/media/${token}/${expires}/${viewer}/${episodeId}/${assetId}`;
    for (const escape of [
      `${base}/..%2f..%2f..%2fsources%2f${assetId}%2fsource.mp4`,
      `${base}/%2e%2e/%2e%2e/%2e%2e/sources/${assetId}/source.mp4`,
      `${base}/../../../sources/${assetId}/source.mp4`,
      `${base}/%2fetc%2fpasswd`,
      `${base}/480p%5c..%5c..%5cmaster.m3u8`,
    ]) {
      const response = await rawGet(h.baseUrl, escape, { 'x-test-device': viewerDevice });
      expect(response.status, escape).toBe(403);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'MEDIA_TOKEN_INVALID' });
    }
    // Inside the folder, only media file types exist.
    expect((await getMedia(`${base}/master.key`, viewerDevice)).statusCode).toBe(404);
    expect((await getMedia(`${base}/nothing.ts`, viewerDevice)).statusCode).toBe(404);
  });

  it('applies the episode rules to playback, poster and media status', async () => {
    // Only managers see the processing state.
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/media`, headers: otherCreator.headers })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/media` })).statusCode).toBe(401);

    const priced = h.access.addEpisode(creator.id, { published: true, priceCoins: 30 });
    const locked = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${priced.id}/playback`, headers: { 'x-test-device': viewerDevice } });
    expect(locked.statusCode).toBe(403);
    expect(locked.json<{ code: string; priceCoins: number }>()).toMatchObject({ code: 'ENTITLEMENT_REQUIRED', priceCoins: 30 });
    const empty = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${priced.id}/playback`, headers: creator.headers });
    expect(empty.statusCode).toBe(409);
    expect(empty.json<{ code: string }>().code).toBe('EPISODE_NOT_READY');

    const publicPoster = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/poster` });
    expect(publicPoster.statusCode).toBe(200);
    expect(publicPoster.headers['content-type']).toBe('image/jpeg');
    expect(publicPoster.headers['cache-control']).toBe('public, max-age=300');

    episode.published = false;
    try {
      expect((await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/poster` })).statusCode).toBe(404);
      expect((await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/playback` })).statusCode).toBe(404);
      const ownerPoster = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/poster`, headers: creator.headers });
      expect(ownerPoster.statusCode).toBe(200);
      expect(ownerPoster.headers['cache-control']).toBe('private, max-age=60');
    } finally {
      episode.published = true;
    }
  });

  it('replaces the video: the new asset plays and the old one leaves no row or file behind', async () => {
    const oldPlay = await playback(episode.id, viewerDevice);
    await uploadWhole({ endpoint: endpoint(), file: clip, headers: creator.headers, metadata: { episodeId: episode.id, filename: 'v2.mp4', fit: 'crop' } });
    const pending = await mediaOf(episode.id, creator);
    expect(pending.assetId).not.toBe(firstAssetId);
    // While the new one is made, the old one keeps playing.
    expect((await getMedia(oldPlay.hlsUrl, viewerDevice)).statusCode).toBe(200);

    const media = await waitUntilReady(episode.id, pending.assetId);
    expect(await h.countRows('media_assets')).toBe(1);
    // The old asset's files are removed right after the new one is marked ready.
    const files = await waitFor('the old asset files to go', async () => {
      const current = await h.listDataFiles();
      return current.some((f) => f.includes(firstAssetId)) ? undefined : current;
    }, 15_000);
    expect(files.some((f) => f.includes(`hls/${episode.id}/${media.assetId}/`))).toBe(true);
    expect((await getMedia(oldPlay.hlsUrl, viewerDevice)).statusCode).toBe(403);
    const newPlay = await playback(episode.id, viewerDevice);
    expect(newPlay.hlsUrl).toContain(`/${media.assetId}/master.m3u8`);
  });

  it('deleting the episode media (for the catalog) removes every row and file of it', async () => {
    await h.media.service.deleteEpisodeMedia(episode.id);
    expect(await h.countRows('media_assets')).toBe(0);
    expect((await h.listDataFiles()).filter((f) => !f.startsWith('media/.partial/'))).toEqual([]);
    const gone = await h.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/playback`, headers: { 'x-test-device': viewerDevice } });
    expect(gone.statusCode).toBe(409);
  });
});
