import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/errors.ts';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`, the scheme Stripe uses. */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

function parseHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (value === undefined) continue;
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * Throws unless one v1 signature matches and the timestamp is within `toleranceSeconds` of now,
 * in either direction: an old timestamp is a replay, a future one a forged or skewed clock.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: Buffer,
  nowMs: number,
  toleranceSeconds: number,
): void {
  const parsed = header ? parseHeader(header) : null;
  if (!parsed) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'The signature header is missing or malformed');
  const expected = Buffer.from(signWebhook(secret, parsed.timestamp, rawBody).split('v1=')[1] ?? '', 'hex');
  const matches = parsed.signatures.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'No signature matches the body');
  const skewSeconds = Math.abs(nowMs / 1000 - parsed.timestamp);
  if (skewSeconds > toleranceSeconds) {
    throw new AppError('WEBHOOK_SIGNATURE_INVALID', `The signature timestamp is ${Math.round(skewSeconds)} s away from now`);
  }
}

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
