import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../../../test/support/async.ts';
import { openTestDatabase, testPostgresUrl, type TestDatabase } from '../../../test/support/db.ts';
import { systemClock } from '../../core/clock.ts';
import { sandboxWebhookDeliveries } from '../../drivers/payments/schema.ts';
import { jobs } from '../../drivers/queue/schema.ts';
import { paymentEvents, payments } from './schema.ts';
import { startPaymentsHarness, type PaymentsHarness } from './test-kit.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';


describe(`sandbox payments over real HTTP (${label})`, () => {
  let database: TestDatabase;
  let harness: PaymentsHarness;
  let base = '';
  let failListenerOnce = false;

  beforeAll(async () => {
    database = await openTestDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    harness = await startPaymentsHarness({ db: database.db, clock: systemClock, publicUrl: base, duplicateWebhooks: true });
    harness.payments.onPaymentEvent(async (context) => {
      if (failListenerOnce && context.event.type === 'payment.succeeded') {
        failListenerOnce = false;
        throw new Error('the top-up flow crashed');
      }
    });
    await harness.app.listen({ port, host: '127.0.0.1' });
    harness.queue.start();
  });

  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  const callsFor = (paymentId: string, type: string) => harness.calls.filter((c) => c.payment?.id === paymentId && c.event.type === type);

  async function allDeliveriesSettled(): Promise<boolean> {
    const pending = await database.db.select().from(jobs).where(eq(jobs.queue, 'sandbox-webhooks'));
    return pending.every((job) => job.status === 'done');
  }

  async function deliveriesOf(paymentId: string) {
    const [row] = await database.db.select().from(payments).where(eq(payments.id, paymentId));
    return database.db.select().from(sandboxWebhookDeliveries).where(eq(sandboxWebhookDeliveries.paymentId, row?.providerPaymentId ?? ''));
  }

  async function statusOf(paymentId: string, userId = 'usr_buyer'): Promise<{ status: string; refundedMinor: number }> {
    const response = await fetch(`${base}/api/v1/payments/${paymentId}`, { headers: { 'x-test-user': userId } });
    expect(response.status).toBe(200);
    return (await response.json()) as { status: string; refundedMinor: number };
  }

  async function newPayment(reference: string, amountMinor = 1234) {
    return harness.payments.createPayment({
      purpose: 'coin_pack',
      reference,
      userId: 'usr_buyer',
      amountMinor,
      currency: 'CNY',
      description: '600 coins <b>pack</b>',
      returnUrl: `${base}/return/${reference}`,
    });
  }

  it('pays on the hosted page, delivers the signed webhook (twice) and applies it once', async () => {
    const { paymentId, redirectUrl } = await newPayment('top_1');
    expect(redirectUrl.startsWith(`${base}/api/v1/payments/sandbox/pay/`)).toBe(true);
    expect(await newPayment('top_1')).toEqual({ paymentId, redirectUrl });

    const zh = await fetch(redirectUrl, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    const zhHtml = await zh.text();
    expect(zh.headers.get('content-type')).toContain('text/html');
    expect(zhHtml).toContain('12.34 CNY');
    expect(zhHtml).toContain('支付');
    expect(zhHtml).toContain('600 coins &#60;b&#62;pack&#60;/b&#62;');
    const enHtml = await (await fetch(redirectUrl, { headers: { 'accept-language': 'en-US' } })).text();
    expect(enHtml).toContain('>Pay<');
    expect(enHtml).toContain('name="viewport"');

    const paid = await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`${base}/return/top_1`);

    await until('the payment to succeed', async () => (await statusOf(paymentId)).status === 'succeeded');
    await until('every delivery to finish', allDeliveriesSettled);
    expect(callsFor(paymentId, 'payment.succeeded')).toHaveLength(1);
    const deliveries = await deliveriesOf(paymentId);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.attempts).toBeGreaterThanOrEqual(2);
    expect(deliveries[0]?.deliveredAt).not.toBeNull();

    // A second press (another tab) changes nothing and still sends the buyer back.
    const again = await fetch(`${redirectUrl}/fail`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(303);
    await sleep(300);
    expect((await statusOf(paymentId)).status).toBe('succeeded');
    expect(await deliveriesOf(paymentId)).toHaveLength(1);
    expect((await fetch(`${base}/api/v1/payments/${paymentId}`, { headers: { 'x-test-user': 'usr_someone_else' } })).status).toBe(404);
  });

  it('fails on the hosted page', async () => {
    const { paymentId, redirectUrl } = await newPayment('top_fail');
    const failed = await fetch(`${redirectUrl}/fail`, { method: 'POST', redirect: 'manual' });
    expect(failed.status).toBe(303);
    await until('the payment to fail', async () => (await statusOf(paymentId)).status === 'failed');
    await until('every delivery to finish', allDeliveriesSettled);
    expect(callsFor(paymentId, 'payment.failed')).toHaveLength(1);
    expect(callsFor(paymentId, 'payment.succeeded')).toHaveLength(0);
  });

  it('refunds in parts, once per refund reference', async () => {
    const { paymentId, redirectUrl } = await newPayment('top_refund', 1000);
    await expect(harness.payments.refund(paymentId, 100, 'rf_too_early')).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' });
    await until('the payment to succeed', async () => (await statusOf(paymentId)).status === 'succeeded');

    const first = await harness.payments.refund(paymentId, 400, 'rf_1');
    expect(await harness.payments.refund(paymentId, 400, 'rf_1')).toEqual(first);
    await until('the partial refund', async () => {
      const s = await statusOf(paymentId);
      return s.status === 'partially_refunded' && s.refundedMinor === 400;
    });
    await expect(harness.payments.refund(paymentId, 601, 'rf_2')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await harness.payments.refund(paymentId, 600, 'rf_2');
    await until('the full refund', async () => {
      const s = await statusOf(paymentId);
      return s.status === 'refunded' && s.refundedMinor === 1000;
    });
    await until('every delivery to finish', allDeliveriesSettled);
    expect(callsFor(paymentId, 'refund.succeeded')).toHaveLength(2);
    expect((await statusOf(paymentId)).refundedMinor).toBe(1000);
  });

  it('retries a delivery our side failed, and the crashed attempt left nothing behind', async () => {
    const { paymentId, redirectUrl } = await newPayment('top_retry');
    failListenerOnce = true;
    await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' });
    await until('the payment to succeed', async () => (await statusOf(paymentId)).status === 'succeeded');
    await until('every delivery to finish', allDeliveriesSettled);
    expect(failListenerOnce).toBe(false);
    // The crashed attempt was rolled back with its event id, so the retry applied it, once.
    // Two listener runs for one event: the first one's transaction rolled back with the event id.
    expect(callsFor(paymentId, 'payment.succeeded')).toHaveLength(2);
    const recorded = await database.db.select().from(paymentEvents).where(eq(paymentEvents.paymentId, paymentId));
    expect(recorded.map((e) => e.type)).toEqual(['payment.succeeded']);
    const [delivery] = await deliveriesOf(paymentId);
    // Two copies, one of which failed once and was retried after a backoff.
    expect(delivery?.attempts).toBeGreaterThanOrEqual(3);
    const deliveryJobs = (await database.db.select().from(jobs).where(eq(jobs.queue, 'sandbox-webhooks'))).filter((j) => j.payload.deliveryId === delivery?.id);
    expect(Math.max(...deliveryJobs.map((j) => j.attempts))).toBeGreaterThanOrEqual(2);
    expect(delivery?.deliveredAt).not.toBeNull();
  });
});
