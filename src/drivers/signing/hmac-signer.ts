import { createHash, timingSafeEqual } from 'node:crypto';
import { toEpochSeconds, type MediaSigner, type SignInput, type VerifyInput, type VerifyOutcome } from './port.ts';

// An MD5 digest is 16 bytes: 22 base64url characters without padding.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Tokens nginx's secure_link module verifies on its own with
 * `secure_link_md5 "$secure_link_expires$ep$viewer $secret"`: MD5 is what nginx offers; the
 * secret stays server-side and the expiry is inside the digest, so neither can be altered.
 */
export function createHmacSigner(secret: string): MediaSigner {
  if (secret.length < 16) throw new RangeError('the media secret must be at least 16 characters');

  function digest(expiresAtSeconds: number, episodeId: string, viewerKey: string): string {
    return createHash('md5').update(`${expiresAtSeconds}${episodeId}${viewerKey} ${secret}`).digest('base64url');
  }

  return {
    sign({ episodeId, viewerKey, expiresAt }: SignInput): string {
      const seconds = toEpochSeconds(expiresAt);
      if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError('expiresAt is not a valid date');
      return digest(seconds, episodeId, viewerKey);
    },

    verify({ token, episodeId, viewerKey, expiresAtSeconds, now }: VerifyInput): VerifyOutcome {
      if (!TOKEN_PATTERN.test(token)) return 'invalid';
      if (!Number.isSafeInteger(expiresAtSeconds) || expiresAtSeconds < 0) return 'invalid';
      const expected = Buffer.from(digest(expiresAtSeconds, episodeId, viewerKey));
      const given = Buffer.from(token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      // nginx treats a link as live up to and including its expiry second.
      return expiresAtSeconds < toEpochSeconds(now) ? 'expired' : 'ok';
    },
  };
}
