import { describe, expect, it } from 'vitest';
import { createHmacSigner } from './hmac-signer.ts';
import { mediaFileUrl, mediaFolderUrl } from './media-path.ts';

const SECRET = '0123456789abcdef-secret';
const EPISODE = 'ep_01hzz0000000000000000000aa';
const VIEWER = 'usr_01hzz0000000000000000000bb';
const EXPIRES = 1_700_000_000;

describe('hmac media signer', () => {
  const signer = createHmacSigner(SECRET);

  it('computes what nginx secure_link_md5 "$expires$ep$viewer $secret" computes', () => {
    // Reference from: printf '%s' "<expires><ep><viewer> <secret>" | openssl md5 -binary | base64 | tr '+/' '-_' | tr -d '='
    const token = signer.sign({ episodeId: EPISODE, viewerKey: VIEWER, expiresAt: new Date(EXPIRES * 1000 + 999) });
    expect(token).toBe('p3zj8zIcgJ3i5u-K2gDQhg');
    expect(token).not.toContain('=');
  });

  it('accepts its own token until the expiry second has passed', () => {
    const token = signer.sign({ episodeId: EPISODE, viewerKey: VIEWER, expiresAt: new Date(EXPIRES * 1000) });
    const base = { token, episodeId: EPISODE, viewerKey: VIEWER, expiresAtSeconds: EXPIRES };
    expect(signer.verify({ ...base, now: new Date((EXPIRES - 60) * 1000) })).toBe('ok');
    expect(signer.verify({ ...base, now: new Date(EXPIRES * 1000 + 999) })).toBe('ok');
    expect(signer.verify({ ...base, now: new Date((EXPIRES + 1) * 1000) })).toBe('expired');
  });

  it('rejects a token for another episode, viewer, expiry or secret', () => {
    const token = signer.sign({ episodeId: EPISODE, viewerKey: VIEWER, expiresAt: new Date(EXPIRES * 1000) });
    const now = new Date((EXPIRES - 10) * 1000);
    const base = { token, episodeId: EPISODE, viewerKey: VIEWER, expiresAtSeconds: EXPIRES, now };
    expect(signer.verify({ ...base, episodeId: 'ep_01hzz0000000000000000000ab' })).toBe('invalid');
    expect(signer.verify({ ...base, viewerKey: 'dev_01hzz0000000000000000000bb' })).toBe('invalid');
    expect(signer.verify({ ...base, expiresAtSeconds: EXPIRES + 3600 })).toBe('invalid');
    expect(createHmacSigner('another-secret-0123456').verify(base)).toBe('invalid');
  });

  it('rejects malformed tokens, and a forged token for a past expiry is invalid rather than expired', () => {
    const now = new Date(EXPIRES * 1000);
    const base = { episodeId: EPISODE, viewerKey: VIEWER, expiresAtSeconds: EXPIRES, now };
    for (const token of ['', 'short', 'p3zj8zIcgJ3i5u-K2gDQhg==', 'p3zj8zIcgJ3i5u+K2gDQhg', 'p3zj8zIcgJ3i5u-K2gDQh.']) {
      expect(signer.verify({ ...base, token })).toBe('invalid');
    }
    expect(signer.verify({ ...base, token: 'AAAAAAAAAAAAAAAAAAAAAA', expiresAtSeconds: EXPIRES - 100 })).toBe('invalid');
    expect(signer.verify({ ...base, token: 'p3zj8zIcgJ3i5u-K2gDQhg', expiresAtSeconds: Number.NaN })).toBe('invalid');
  });

  it('refuses a short secret', () => {
    expect(() => createHmacSigner('short')).toThrow(RangeError);
  });

  it('lays the token out in the path so relative playlist URLs keep it', () => {
    const folder = mediaFolderUrl({
      token: 'p3zj8zIcgJ3i5u-K2gDQhg',
      expiresAtSeconds: EXPIRES,
      viewerKey: VIEWER,
      episodeId: EPISODE,
      assetId: 'ast_01hzz0000000000000000000cc',
    });
    expect(folder).toBe(`/media/p3zj8zIcgJ3i5u-K2gDQhg/${EXPIRES}/${VIEWER}/${EPISODE}/ast_01hzz0000000000000000000cc/`);
    const rendition = new URL('720p/index.m3u8', `http://x${folder}master.m3u8`);
    expect(new URL('seg_003.ts', rendition).pathname).toBe(`${folder}720p/seg_003.ts`);
    expect(mediaFileUrl({ token: 't', expiresAtSeconds: 1, viewerKey: 'v', episodeId: 'e', assetId: 'a' }, '720p/seg 1.ts')).toBe(
      '/media/t/1/v/e/a/720p/seg%201.ts',
    );
  });
});
