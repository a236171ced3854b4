import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { deriveSsvSigningKey, keyIdOf, signSsvQuery, singleParam, verifySsvQuery } from './ssv.ts';

const key = deriveSsvSigningKey('a test secret');
const keys = new Map([[key.keyId, key.publicKey]]);
const params: [string, string][] = [
  ['ad_network', 'dualstream-sandbox'],
  ['custom_data', 'adu_01abc'],
  ['timestamp', '1795675694030'],
  ['transaction_id', '18fa792de1bca816048293fc71035638'],
  ['user_id', 'usr_01 x&y'],
];

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('AdMob-style SSV signatures', () => {
  it('derives one key pair per secret, with a numeric key id', () => {
    expect(deriveSsvSigningKey('a test secret').keyId).toBe(key.keyId);
    expect(deriveSsvSigningKey('another secret').keyId).not.toBe(key.keyId);
    expect(key.keyId).toMatch(/^\d+$/);
    expect(keyIdOf(key.publicKey)).toBe(key.keyId);
    expect(key.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('signs the query before &signature= (DER, web-safe base64) and puts signature then key_id last', () => {
    const query = signSsvQuery(params, key);
    const at = query.indexOf('&signature=');
    const message = query.slice(0, at);
    const tail = new URLSearchParams(query.slice(at + 1));
    expect([...tail.keys()]).toEqual(['signature', 'key_id']);
    expect(tail.get('key_id')).toBe(key.keyId);
    expect(tail.get('signature')).toMatch(/^[A-Za-z0-9_-]+$/);
    // What an AdMob verifier does, with nothing but the published public key.
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verify('sha256', Buffer.from(message), pem, Buffer.from(tail.get('signature') ?? '', 'base64url'))).toBe(true);
    const verified = verifySsvQuery(query, keys);
    expect(verified.keyId).toBe(key.keyId);
    expect(singleParam(verified.params, 'user_id')).toBe('usr_01 x&y');
  });

  it('refuses a changed byte, an unknown key id, another key, a misplaced signature and a duplicated parameter', () => {
    const query = signSsvQuery(params, key);
    expect(codeOf(() => verifySsvQuery(query.replace('adu_01abc', 'adu_01abd'), keys))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(codeOf(() => verifySsvQuery(query.replace(`key_id=${key.keyId}`, 'key_id=1234567890'), keys))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(codeOf(() => verifySsvQuery(`${query}&user_id=usr_evil`, keys))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(codeOf(() => verifySsvQuery(query.split('&signature=')[0] ?? '', keys))).toBe('WEBHOOK_SIGNATURE_INVALID');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = signSsvQuery(params, { keyId: key.keyId, privateKey: other.privateKey });
    expect(codeOf(() => verifySsvQuery(forged, keys))).toBe('WEBHOOK_SIGNATURE_INVALID');
    const doubled = signSsvQuery([...params, ['user_id', 'usr_other']], key);
    const { params: parsed } = verifySsvQuery(doubled, keys);
    expect(codeOf(() => singleParam(parsed, 'user_id'))).toBe('BAD_REQUEST');
  });
});
