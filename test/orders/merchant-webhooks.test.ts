import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/drivers/payments/signature.ts';
import { TestClient } from '../support/app.ts';
import { freePort, until } from '../support/async.ts';
import { testPostgresUrl } from '../support/db.ts';
import { checkout, createProduct, pressHostedPage, startLivePlatform, waitForStatus, type CheckoutAnswer, type LivePlatform } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

interface Received {
  at: number;
  signature: string;
  event: string;
  delivery: string;
  raw: Buffer;
  answered: number;
}

let t: LivePlatform;
let receiver: Server;
let receiverUrl = '';
const received: Received[] = [];
/** The receiver answers 500 to this many requests before it starts answering 200. */
let failuresLeft = 2;

beforeAll(async () => {
  // The receiver is a local server: this platform lets webhooks reach private addresses.
  t = await startLivePlatform({ MERCHANT_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  const port = await freePort();
  receiverUrl = `http://127.0.0.1:${port}/hooks/dualstream`;
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answered = failuresLeft > 0 ? 500 : 200;
      if (failuresLeft > 0) failuresLeft -= 1;
      received.push({
        at: Date.now(),
        signature: String(request.headers['dualstream-signature'] ?? ''),
        event: String(request.headers['dualstream-event'] ?? ''),
        delivery: String(request.headers['dualstream-delivery'] ?? ''),
        raw: Buffer.concat(chunks),
        answered,
      });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
}, 60_000);
afterAll(async () => {
  await t.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

interface DeliveryJson {
  id: string;
  orderId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
}

describe(`merchant webhooks (${label})`, () => {
  it('signs order.paid, order.shipped and order.refunded with the shop secret and retries with backoff until a 2xx', async () => {
    const merchant = await new TestClient(t.app).signUp('merchant');
    const viewer = await new TestClient(t.app).signUp('viewer');
    const put = await merchant.put('/api/v1/shop/webhooks', { url: receiverUrl });
    expect(put.statusCode, put.body).toBe(200);
    const secret = put.json<{ secret?: string }>().secret ?? '';
    expect(secret).toMatch(/^whsec_/);
    // Saving the URL again keeps the secret and shows only its hint.
    const again = (await merchant.put('/api/v1/shop/webhooks', { url: receiverUrl })).json<{ secret?: string; secretHint: string }>();
    expect([again.secret, again.secretHint]).toEqual([undefined, `whsec_…${secret.slice(-4)}`]);
    expect((await merchant.put('/api/v1/shop/webhooks', { url: 'ftp://example.com/x' })).statusCode).toBe(400);

    const { skuIds } = await createProduct(merchant, [{ priceMinor: 4200, stock: 3 }]);
    const answer = (await checkout(viewer, { items: [{ skuId: skuIds[0], quantity: 1 }] }, 'hooks-checkout-0001')).json<CheckoutAnswer>();
    const orderId = answer.orders[0]?.id ?? '';
    await pressHostedPage(answer.redirectUrl, 'succeed');
    await waitForStatus(t, [orderId], 'paid');

    await until('order.paid to be accepted', async () => received.some((r) => r.event === 'order.paid' && r.answered === 200), 20_000);
    const paid = received.filter((r) => r.event === 'order.paid');
    expect(paid.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(paid.map((r) => r.delivery)).size).toBe(1);
    // Exponential backoff: the queue waits ≥ 1 s, then ≥ 2 s (base 1 s, doubling).
    const [first, second, third] = paid as [Received, Received, Received];
    expect(second.at - first.at).toBeGreaterThanOrEqual(1_000);
    expect(third.at - second.at).toBeGreaterThanOrEqual(2_000);
    // Every attempt carries the same bytes, each signed afresh; all verify with the shop's secret only.
    expect(new Set(paid.map((r) => r.raw.toString('utf8'))).size).toBe(1);
    for (const attempt of paid) {
      expect(() => verifyWebhookSignature(secret, attempt.signature, attempt.raw, Date.now(), 300)).not.toThrow();
      expect(() => verifyWebhookSignature('whsec_someone_else', attempt.signature, attempt.raw, Date.now(), 300)).toThrow(/signature/);
      expect(() => verifyWebhookSignature(secret, attempt.signature, Buffer.from(attempt.raw.toString('utf8').replace('4200', '1')), Date.now(), 300)).toThrow(/signature/);
    }
    const body = JSON.parse(third.raw.toString('utf8')) as { id: string; type: string; data: { order: { id: string; status: string; totalMinor: number; lines: unknown[] } } };
    expect(body).toMatchObject({ id: third.delivery, type: 'order.paid', data: { order: { id: orderId, status: 'paid', totalMinor: 4200 } } });
    expect(body.data.order.lines).toHaveLength(1);

    expect((await merchant.post(`/api/v1/shop/orders/${orderId}/ship`, { carrier: 'SF', trackingNumber: 'SF42' })).statusCode).toBe(200);
    const refunded = await merchant.request('POST', `/api/v1/shop/orders/${orderId}/refund`, {}, { 'idempotency-key': 'hooks-refund-00001' });
    expect(refunded.statusCode, refunded.body).toBe(200);
    await until('order.shipped and order.refunded to arrive', async () => received.some((r) => r.event === 'order.refunded') && received.some((r) => r.event === 'order.shipped'), 20_000);
    const later = received.filter((r) => r.event !== 'order.paid');
    expect(later.map((r) => [r.event, r.answered])).toEqual([
      ['order.shipped', 200],
      ['order.refunded', 200],
    ]);
    for (const attempt of later) expect(() => verifyWebhookSignature(secret, attempt.signature, attempt.raw, Date.now(), 300)).not.toThrow();
    const shippedBody = JSON.parse(later[0]?.raw.toString('utf8') ?? '{}') as { data: { order: { trackingNumber: string } } };
    expect(shippedBody.data.order.trackingNumber).toBe('SF42');

    await until('the deliveries to be recorded', async () => {
      const { deliveries } = (await merchant.get('/api/v1/shop/webhooks')).json<{ deliveries: DeliveryJson[] }>();
      return deliveries.length === 3 && deliveries.every((d) => d.status === 'delivered');
    });
    const { deliveries } = (await merchant.get('/api/v1/shop/webhooks')).json<{ deliveries: DeliveryJson[] }>();
    expect(deliveries.map((d) => [d.eventType, d.status, d.attempts, d.lastStatus])).toEqual([
      ['order.refunded', 'delivered', 1, 200],
      ['order.shipped', 'delivered', 1, 200],
      ['order.paid', 'delivered', 3, 200],
    ]);
  }, 60_000);
});
