import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testPostgresUrl, type TestDatabase } from '../../../test/support/db.ts';
import { fixedClock } from '../../core/clock.ts';
import { signWebhook } from '../../drivers/payments/signature.ts';
import type { SandboxEventBody } from '../../drivers/payments/sandbox-event.ts';
import { paymentEvents, payments } from './schema.ts';
import { startPaymentsHarness, TEST_WEBHOOK_SECRET, type PaymentsHarness } from './test-kit.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

/** A seeded generator so a failing shuffle can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Delivery {
  eventId: string;
  body: string;
  signature: string | null;
  valid: boolean;
}

describe(`webhook storm (${label})`, () => {
  let database: TestDatabase;
  let harness: PaymentsHarness;
  const clock = fixedClock(new Date('2026-11-26T04:00:00Z'));
  const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

  beforeAll(async () => {
    database = await openTestDatabase();
    harness = await startPaymentsHarness({ db: database.db, clock, publicUrl: 'http://127.0.0.1:9' });
  });

  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  it('applies each of 500 events exactly once under 3–5 shuffled deliveries, and rejects every bad one', async () => {
    const random = seeded(20261126);
    const PAYMENTS = 200;
    const refs: { paymentId: string; providerPaymentId: string }[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const { paymentId } = await harness.payments.createPayment({
        purpose: 'order',
        reference: `ord_storm_${i}`,
        userId: 'usr_storm',
        amountMinor: 1000,
        currency: 'CNY',
        description: `Order ${i}`,
        returnUrl: 'http://127.0.0.1:9/return',
      });
      const [row] = await database.db.select().from(payments).where(eq(payments.id, paymentId));
      refs.push({ paymentId, providerPaymentId: row?.providerPaymentId ?? '' });
    }

    const events: SandboxEventBody[] = [];
    const event = (i: number, type: SandboxEventBody['type'], amountMinor: number, n: number): SandboxEventBody => ({
      id: `sbe_storm_${i}_${type}_${n}`,
      type,
      created: nowSeconds(),
      data: { paymentId: refs[i]?.providerPaymentId ?? '', amountMinor, currency: 'CNY', reference: refs[i]?.paymentId ?? '' },
    });
    for (let i = 0; i < 150; i++) events.push(event(i, 'payment.succeeded', 1000, 0));
    for (let i = 150; i < 200; i++) events.push(event(i, 'payment.failed', 1000, 0));
    // A failure arriving after (or before) the success must not undo it.
    for (let i = 0; i < 100; i++) events.push(event(i, 'payment.failed', 1000, 1));
    for (let i = 0; i < 100; i++) events.push(event(i, 'refund.succeeded', 300, 0));
    for (let i = 100; i < 150; i++) events.push(event(i, 'refund.succeeded', 500, 0), event(i, 'refund.succeeded', 500, 1));
    expect(events).toHaveLength(500);
    // Events only ever sent badly: applying any of them would change a payment.
    const phantoms = Array.from({ length: 40 }, (_, k) => event(150 + (k % 50), 'payment.succeeded', 1000, 100 + k));

    const deliveries: Delivery[] = [];
    for (const e of events) {
      const body = JSON.stringify(e);
      const copies = 3 + Math.floor(random() * 3);
      for (let c = 0; c < copies; c++) {
        // Within the 300 s tolerance on either side.
        const skew = Math.round((random() * 2 - 1) * 290);
        deliveries.push({ eventId: e.id, body, signature: signWebhook(TEST_WEBHOOK_SECRET, nowSeconds() + skew, body), valid: true });
      }
    }
    const badKinds = ['wrong-secret', 'stale', 'future', 'tampered', 'missing', 'garbage'] as const;
    for (const [k, e] of [...phantoms, ...events.filter((_, j) => j % 5 === 0)].entries()) {
      const body = JSON.stringify(e);
      const kind = badKinds[k % badKinds.length] ?? 'missing';
      const t = nowSeconds();
      switch (kind) {
        case 'wrong-secret':
          deliveries.push({ eventId: e.id, body, signature: signWebhook('whsec_not_ours', t, body), valid: false });
          break;
        case 'stale':
          deliveries.push({ eventId: e.id, body, signature: signWebhook(TEST_WEBHOOK_SECRET, t - 301 - Math.floor(random() * 5000), body), valid: false });
          break;
        case 'future':
          deliveries.push({ eventId: e.id, body, signature: signWebhook(TEST_WEBHOOK_SECRET, t + 301 + Math.floor(random() * 5000), body), valid: false });
          break;
        case 'tampered': {
          const tampered = JSON.stringify({ ...e, id: `${e.id}_x`, data: { ...e.data, amountMinor: 1 } });
          deliveries.push({ eventId: e.id, body: tampered, signature: signWebhook(TEST_WEBHOOK_SECRET, t, body), valid: false });
          break;
        }
        case 'missing':
          deliveries.push({ eventId: e.id, body, signature: null, valid: false });
          break;
        case 'garbage':
          deliveries.push({ eventId: e.id, body, signature: `t=${t},v1=${'0'.repeat(64)}`, valid: false });
          break;
        default: {
          const unreachable: never = kind;
          throw new Error(String(unreachable));
        }
      }
    }
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j] as Delivery, deliveries[i] as Delivery];
    }

    const results: { delivery: Delivery; status: number; duplicate: boolean | null; code: string | null }[] = [];
    let next = 0;
    async function worker(): Promise<void> {
      while (next < deliveries.length) {
        const delivery = deliveries[next++] as Delivery;
        const response = await harness.app.inject({
          method: 'POST',
          url: '/api/v1/payments/sandbox/webhook',
          headers: { 'content-type': 'application/json', ...(delivery.signature ? { 'sandbox-signature': delivery.signature } : {}) },
          payload: delivery.body,
        });
        const json = response.json<{ duplicate?: boolean; code?: string }>();
        results.push({ delivery, status: response.statusCode, duplicate: json.duplicate ?? null, code: json.code ?? null });
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker));

    const valid = results.filter((r) => r.delivery.valid);
    const bad = results.filter((r) => !r.delivery.valid);
    expect(bad.length).toBeGreaterThan(100);
    expect(valid.every((r) => r.status === 200)).toBe(true);
    expect(bad.every((r) => r.status === 400 && r.code === 'WEBHOOK_SIGNATURE_INVALID')).toBe(true);
    expect(valid.filter((r) => r.duplicate === false)).toHaveLength(500);

    const perEvent = new Map<string, number>();
    for (const call of harness.calls) perEvent.set(call.event.id, (perEvent.get(call.event.id) ?? 0) + 1);
    expect(perEvent.size).toBe(500);
    expect([...perEvent.values()].every((n) => n === 1)).toBe(true);
    for (const phantom of phantoms) expect(perEvent.has(phantom.id)).toBe(false);
    const [recorded] = await database.db.select({ n: sql<number>`count(*)` }).from(paymentEvents);
    expect(Number(recorded?.n)).toBe(500);

    const rows = await database.db.select().from(payments);
    const byId = new Map(rows.map((r) => [r.id, r]));
    refs.forEach((ref, i) => {
      const row = byId.get(ref.paymentId);
      if (i < 100) expect([row?.status, row?.refundedMinor]).toEqual(['partially_refunded', 300]);
      else if (i < 150) expect([row?.status, row?.refundedMinor]).toEqual(['refunded', 1000]);
      else expect([row?.status, row?.refundedMinor]).toEqual(['failed', 0]);
    });
    // Each payment's success was acted on once, whatever order its events came in.
    const applied = harness.calls.filter((c) => c.applied);
    const successesApplied = applied.filter((c) => c.event.type === 'payment.succeeded');
    expect(new Set(successesApplied.map((c) => c.payment?.id)).size).toBe(successesApplied.length);
  }, 240_000);
});
