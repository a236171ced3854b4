import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClip } from './support/clip.ts';
import type { TestEpisode } from './support/episode-access.ts';
import { startMediaHarness, type MediaHarness, type TestUser } from './support/harness.ts';
import { TusFailure, uploadWhole } from './support/tus.ts';

const HLS_POINTING_AT_PASSWD = Buffer.from(
  ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:10', '#EXTINF:10.0,', 'file:///etc/passwd', '#EXT-X-ENDLIST', ''].join('\n'),
);

/** The same playlist behind an `ftyp` box, so a check of the first bytes alone would call it MP4. */
function hlsDisguisedAsMp4(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isomiso2', 16, 'latin1');
  return Buffer.concat([ftyp, HLS_POINTING_AT_PASSWD]);
}

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  reason?: string;
}

describe('media: hostile uploads are refused and leave nothing behind', () => {
  let h: MediaHarness;
  let creator: TestUser;
  let episode: TestEpisode;
  let clip: Buffer;

  beforeAll(async () => {
    // The 6 s test clip is "too long" here.
    h = await startMediaHarness({ env: { UPLOAD_MAX_DURATION_MS: '3000', UPLOAD_MAX_BYTES: String(4 * 1024 * 1024) } });
    creator = h.addUser('creator');
    episode = h.access.addEpisode(creator.id);
    clip = await readFile(await testClip());
  });

  afterAll(async () => {
    await h?.close();
  });

  async function expectRejected(file: Buffer, filename: string, reasons: string[]): Promise<Problem> {
    const failure = await uploadWhole({
      endpoint: `${h.baseUrl}/api/v1/uploads`,
      file,
      headers: creator.headers,
      metadata: { episodeId: episode.id, filename },
      chunkSize: 128 * 1024,
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TusFailure);
    const { status, body, contentType } = failure as TusFailure;
    expect(status).toBe(422);
    expect(contentType).toBe('application/problem+json');
    const problem = JSON.parse(body) as Problem;
    expect(problem).toMatchObject({ status: 422, code: 'MEDIA_REJECTED', title: 'The uploaded file was rejected' });
    expect(reasons).toContain(problem.reason);
    expect(problem.detail.length).toBeGreaterThan(10);

    expect(await h.listDataFiles()).toEqual([]);
    expect(await h.countRows('media_assets')).toBe(0);
    expect(await h.countRows('jobs')).toBe(0);
    return problem;
  }

  it('refuses an HLS playlist pointing at file:///etc/passwd, named .mp4', async () => {
    await expectRejected(HLS_POINTING_AT_PASSWD, 'evil.mp4', ['not_video', 'format']);
    const disguised = await expectRejected(hlsDisguisedAsMp4(), 'evil2.mp4', ['not_video', 'format', 'corrupt']);
    expect(disguised.detail).not.toContain('root:');
  });

  it('refuses a text file', async () => {
    await expectRejected(Buffer.from('just some notes, not a video\n'.repeat(20)), 'notes.mp4', ['not_video']);
  });

  it('refuses a video longer than the limit', async () => {
    const problem = await expectRejected(clip, 'long.mp4', ['too_long']);
    expect(problem.detail).toMatch(/limit/);
  });

  it('refuses a truncated video', async () => {
    await expectRejected(clip.subarray(0, Math.floor(clip.length * 0.6)), 'cut.mp4', ['corrupt']);
  });

  it('tells the status of every refusal to the catalog, ending with the episode back to none', () => {
    const last = h.access.updates.at(-1);
    expect(last?.status).toBe('rejected');
    expect(last?.episode).toEqual({ mediaStatus: 'none', mediaAssetId: null, durationMs: null });
  });

  it('refuses uploads that are too large, for episodes of others, or without CSRF, before any byte is stored', async () => {
    const create = (headers: Record<string, string>, metadata: string, length: number) =>
      fetch(`${h.baseUrl}/api/v1/uploads`, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': metadata, ...headers },
      });
    const meta = (episodeId: string) => `episodeId ${Buffer.from(episodeId).toString('base64')},filename ${Buffer.from('a.mp4').toString('base64')}`;

    const tooLarge = await create(creator.headers, meta(episode.id), 5 * 1024 * 1024);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toContain('application/problem+json');
    expect(((await tooLarge.json()) as Problem).code).toBe('PAYLOAD_TOO_LARGE');

    const otherCreator = h.addUser('creator');
    const notMine = await create(otherCreator.headers, meta(episode.id), 1000);
    expect(notMine.status).toBe(404);
    const theirs = h.access.addEpisode(otherCreator.id, { published: true });
    const forbidden = await create(creator.headers, meta(theirs.id), 1000);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as Problem).code).toBe('FORBIDDEN');

    const { 'x-csrf-token': _csrf, ...withoutCsrf } = creator.headers;
    const noCsrf = await create(withoutCsrf, meta(episode.id), 1000);
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as Problem).code).toBe('CSRF_TOKEN_INVALID');

    const viewer = h.addUser('viewer');
    expect((await create(viewer.headers, meta(episode.id), 1000)).status).toBe(403);
    expect((await create({}, meta(episode.id), 1000)).status).toBe(401);

    const noEpisode = await create(creator.headers, `filename ${Buffer.from('a.mp4').toString('base64')}`, 1000);
    expect(noEpisode.status).toBe(400);
    const badFit = await create(creator.headers, `${meta(episode.id)},fit ${Buffer.from('stretch').toString('base64')}`, 1000);
    expect(badFit.status).toBe(400);

    expect(await h.listDataFiles()).toEqual([]);
    expect(await h.countRows('media_assets')).toBe(0);
  });

  it('cancelling an upload (tus DELETE) removes its file and row', async () => {
    const created = await fetch(`${h.baseUrl}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...creator.headers,
        'tus-resumable': '1.0.0',
        'upload-length': String(clip.length),
        'upload-metadata': `episodeId ${Buffer.from(episode.id).toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location') ?? '', `${h.baseUrl}/api/v1/uploads`).toString();
    expect(await h.countRows('media_assets')).toBe(1);
    const deleted = await fetch(location, { method: 'DELETE', headers: { ...creator.headers, 'tus-resumable': '1.0.0' } });
    expect(deleted.status).toBe(204);
    for (let i = 0; i < 50 && (await h.countRows('media_assets')) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await h.countRows('media_assets')).toBe(0);
    expect(await h.listDataFiles()).toEqual([]);
  });
});
