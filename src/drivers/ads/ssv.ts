import { createECDH, createHash, createHmac, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '../../core/errors.ts';

/**
 * AdMob-style server-side verification (SSV): the callback's query string up to `&signature=` is
 * signed with ECDSA P-256 / SHA-256; the DER signature is web-safe base64 without padding, and
 * `signature` then `key_id` are always the last two parameters. The verifier needs public keys only.
 */

export const SSV_SIGNATURE_MARKER = '&signature=';

export interface SsvSigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

// The order of the P-256 group: a private scalar must lie in [1, n-1].
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/**
 * The same secret gives the same key pair in every process and on every host, so a worker that
 * signs and a server that verifies agree without sharing files. A key id is the first 48 bits of
 * the SHA-256 of the public key (AdMob's key ids are numbers too).
 */
export function deriveSsvSigningKey(secret: string): SsvSigningKey {
  let scalar: Buffer | null = null;
  for (let counter = 0; scalar === null; counter++) {
    const candidate = createHmac('sha256', secret).update(`dualstream ads sandbox ssv key/${counter}`).digest();
    const value = BigInt(`0x${candidate.toString('hex')}`);
    if (value > 0n && value < P256_ORDER) scalar = candidate;
  }
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(scalar);
  const point = ecdh.getPublicKey();
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    d: scalar.toString('base64url'),
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return String(createHash('sha256').update(der).digest().readUIntBE(0, 6));
}

/** `params` in the order given (callers pass them alphabetically, as AdMob does). */
export function signSsvQuery(params: ReadonlyArray<readonly [string, string]>, key: Pick<SsvSigningKey, 'keyId' | 'privateKey'>): string {
  const message = params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
  const signature = sign('sha256', Buffer.from(message, 'utf8'), { key: key.privateKey, dsaEncoding: 'der' }).toString('base64url');
  return `${message}${SSV_SIGNATURE_MARKER}${signature}&key_id=${key.keyId}`;
}

export interface VerifiedSsvQuery {
  params: URLSearchParams;
  keyId: string;
}

function invalid(detail: string): AppError {
  return new AppError('WEBHOOK_SIGNATURE_INVALID', detail);
}

/** Verifies the bytes as received: nothing is decoded or re-ordered before the check. */
export function verifySsvQuery(rawQuery: string, publicKeys: ReadonlyMap<string, KeyObject>): VerifiedSsvQuery {
  const at = rawQuery.indexOf(SSV_SIGNATURE_MARKER);
  if (at <= 0) throw invalid('The callback carries no signature');
  const message = rawQuery.slice(0, at);
  const tail = /^signature=([A-Za-z0-9_-]{16,200})&key_id=(\d{1,20})$/.exec(rawQuery.slice(at + 1));
  if (!tail?.[1] || !tail[2]) throw invalid('signature and key_id must be the last two parameters');
  const keyId = tail[2];
  const publicKey = publicKeys.get(keyId);
  if (!publicKey) throw invalid(`Unknown key_id ${keyId}`);
  let ok = false;
  try {
    ok = verify('sha256', Buffer.from(message, 'utf8'), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(tail[1], 'base64url'));
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('The callback signature does not match');
  return { params: new URLSearchParams(message), keyId };
}

/** One value per name: a signed query with a duplicated parameter is still refused, never guessed at. */
export function singleParam(params: URLSearchParams, name: string): string {
  const values = params.getAll(name);
  if (values.length !== 1 || values[0] === undefined || values[0] === '') throw new AppError('BAD_REQUEST', `The callback needs exactly one ${name}`);
  return values[0];
}
