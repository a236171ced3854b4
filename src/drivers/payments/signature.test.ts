import { describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors.ts';
import { parseSandboxEvent } from './sandbox-event.ts';
import { signWebhook, verifyWebhookSignature } from './signature.ts';

const secret = 'whsec_unit';
const body = Buffer.from(JSON.stringify({ id: 'sbe_1', type: 'payment.succeeded', created: 1, data: { paymentId: 'sbp_1', amountMinor: 500, currency: 'CNY', reference: 'pay_1' } }));
const now = 1_800_000_000;

function rejects(header: string | undefined, raw = body, nowSeconds = now): string {
  try {
    verifyWebhookSignature(secret, header, raw, nowSeconds * 1000, 300);
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('webhook signatures', () => {
  it('accepts a signature up to 300 s old or 300 s ahead, and nothing beyond', () => {
    expect(rejects(signWebhook(secret, now, body))).toBe('accepted');
    expect(rejects(signWebhook(secret, now - 300, body))).toBe('accepted');
    expect(rejects(signWebhook(secret, now + 300, body))).toBe('accepted');
    expect(rejects(signWebhook(secret, now - 301, body))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(rejects(signWebhook(secret, now + 301, body))).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('rejects another secret, a changed body, a moved timestamp and malformed headers', () => {
    expect(rejects(signWebhook('whsec_other', now, body))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(rejects(signWebhook(secret, now, body), Buffer.concat([body, Buffer.from(' ')]))).toBe('WEBHOOK_SIGNATURE_INVALID');
    const mac = signWebhook(secret, now, body).split('v1=')[1] ?? '';
    expect(rejects(`t=${now + 1},v1=${mac}`)).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(rejects(undefined)).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(rejects('v1=abc')).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(rejects(`t=${now}`)).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('accepts any matching v1 among several, as during a secret rotation', () => {
    const good = signWebhook(secret, now, body).split('v1=')[1] ?? '';
    expect(rejects(`t=${now},v1=${'f'.repeat(64)},v1=${good}`)).toBe('accepted');
  });

  it('parses a verified body into a provider event', () => {
    const event = parseSandboxEvent(body);
    expect(event).toMatchObject({ id: 'sbe_1', type: 'payment.succeeded', providerPaymentId: 'sbp_1', amountMinor: 500, currency: 'CNY' });
    expect(() => parseSandboxEvent(Buffer.from('{"id":"x","type":"payment.exploded","created":1,"data":{}}'))).toThrow();
  });
});
