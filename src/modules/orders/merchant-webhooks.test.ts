import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { testPostgresUrl } from '../../../test/support/db.ts';
import { systemClock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../drivers/db/types.ts';
import { verifyWebhookSignature } from '../../drivers/payments/signature.ts';
import type { JobContext, JobHandler, Queue } from '../../drivers/queue/port.ts';
import { createMerchantWebhooks } from './merchant-webhooks.ts';
import { merchantWebhookDeliveries, merchantWebhookEndpoints } from './schema.ts';
import type { Resolver } from './webhook-target.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

interface EndpointJson {
  url: string;
  enabled: boolean;
  secret?: string;
  secretHint: string;
}

let t: TestPlatform;
let db: Db;
/** A receiver on loopback: whatever reaches it passed (or slipped past) the SSRF guard. */
let loopback: Server;
let port = 0;
const hits: { headers: IncomingHttpHeaders; raw: Buffer }[] = [];

beforeAll(async () => {
  t = await startTestPlatform();
  db = t.platform.drivers.database.db;
  loopback = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hits.push({ headers: request.headers, raw: Buffer.concat(chunks) });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
  port = (loopback.address() as AddressInfo).port;
}, 120_000);
afterAll(async () => {
  loopback.closeAllConnections();
  await new Promise((resolve) => loopback.close(resolve));
  await t.close();
});

describe(`merchant webhook signing secret (${label})`, () => {
  it('is shown in full only by the answer that creates the endpoint or rotates it; every other answer carries its hint', async () => {
    const merchant = await new TestClient(t.app).signUp('merchant');
    expect((await merchant.post('/api/v1/shop/webhooks/rotate-secret')).statusCode).toBe(404);

    const made = await merchant.put('/api/v1/shop/webhooks', { url: 'https://203.0.113.10/hooks' });
    expect(made.statusCode, made.body).toBe(200);
    const first = made.json<EndpointJson>();
    expect(first.secret).toMatch(/^whsec_[\w-]{32}$/);
    const secret = first.secret ?? '';
    expect(first.secretHint).toBe(`whsec_…${secret.slice(-4)}`);

    const read = await merchant.get('/api/v1/shop/webhooks');
    expect(read.body).not.toContain(secret);
    expect(Object.keys(read.json<{ endpoint: EndpointJson }>().endpoint)).not.toContain('secret');
    expect(read.json<{ endpoint: EndpointJson }>().endpoint).toMatchObject({ url: 'https://203.0.113.10/hooks', secretHint: first.secretHint });

    // Changing the URL or pausing keeps the secret, and does not show it again.
    const changed = await merchant.put('/api/v1/shop/webhooks', { url: 'https://203.0.113.11/hooks', enabled: false });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.body).not.toContain(secret);
    expect(changed.json<EndpointJson>()).toMatchObject({ url: 'https://203.0.113.11/hooks', enabled: false, secretHint: first.secretHint });

    const rotated = await merchant.post('/api/v1/shop/webhooks/rotate-secret');
    expect(rotated.statusCode, rotated.body).toBe(200);
    const next = rotated.json<EndpointJson>();
    expect(next.secret).toMatch(/^whsec_/);
    expect(next.secret).not.toBe(secret);
    expect(next).toMatchObject({ url: 'https://203.0.113.11/hooks', enabled: false, secretHint: `whsec_…${(next.secret ?? '').slice(-4)}` });
    const after = await merchant.get('/api/v1/shop/webhooks');
    expect(after.body).not.toContain(next.secret ?? '');
    expect(after.json<{ endpoint: EndpointJson }>().endpoint.secretHint).toBe(next.secretHint);

    // Only the shop's own members rotate it.
    const other = await new TestClient(t.app).signUp('merchant');
    expect((await other.post(`/api/v1/shop/webhooks/rotate-secret?shopId=${merchant.orgIds[0] ?? ''}`)).statusCode).toBe(403);
    const viewer = await new TestClient(t.app).signUp('viewer');
    expect((await viewer.post('/api/v1/shop/webhooks/rotate-secret')).statusCode).toBe(403);
    expect((await merchant.get('/api/v1/shop/webhooks')).json<{ endpoint: EndpointJson }>().endpoint.secretHint).toBe(next.secretHint);
  });
});

/** The module with a stand-in queue: the test runs the delivery job itself, one attempt at a time. */
function deliveryHarness(resolve: Resolver, allowPrivateTargets: boolean) {
  let handler: JobHandler | null = null;
  const queue: Queue = {
    enqueue: async () => 'job_stand_in',
    get: async () => null,
    work: (_name, h) => {
      handler = h;
    },
    start: () => undefined,
    stop: async () => undefined,
  };
  const webhooks = createMerchantWebhooks({ db, queue, clock: systemClock, log: pino({ level: 'silent' }), maxAttempts: 5, resolve, allowPrivateTargets });
  webhooks.registerJobs(queue);

  async function recordDelivery(shopId: string): Promise<string> {
    const [endpoint] = await db.select().from(merchantWebhookEndpoints).where(eq(merchantWebhookEndpoints.shopId, shopId));
    if (!endpoint) throw new Error('no endpoint');
    const id = newId('webhookDelivery');
    const body = JSON.stringify({ id, type: 'order.paid', created: 0, data: { order: { id: 'ord_stand_in' } } });
    await db.insert(merchantWebhookDeliveries).values({ id, endpointId: endpoint.id, shopId, orderId: 'ord_stand_in', eventType: 'order.paid', body, createdAt: new Date() });
    return id;
  }

  async function attempt(deliveryId: string, n: number, timeoutMs: number) {
    if (!handler) throw new Error('no handler');
    const ctx: JobContext = {
      job: { id: 'job_stand_in', queue: 'merchant-webhooks', payload: { deliveryId }, status: 'running', attempts: n, maxAttempts: 5, progress: 0, lastError: null, runAt: new Date(), finishedAt: null },
      reportProgress: async () => undefined,
      signal: AbortSignal.timeout(timeoutMs),
    };
    const error = await handler({ deliveryId }, ctx).then(
      () => null,
      (e: unknown) => e,
    );
    const [row] = await db.select().from(merchantWebhookDeliveries).where(eq(merchantWebhookDeliveries.id, deliveryId));
    return { error, row };
  }

  return { webhooks, recordDelivery, attempt };
}

describe(`merchant webhook delivery connects to the address it checked (${label})`, () => {
  it('a rebinding name (public first, loopback second) never reaches a loopback server', async () => {
    const asked: string[] = [];
    const hostile: Resolver = async (hostname) => {
      asked.push(hostname);
      return asked.length === 1 ? ['203.0.113.10'] : ['127.0.0.1'];
    };
    const { webhooks, recordDelivery, attempt } = deliveryHarness(hostile, false);
    const shopId = 'shop_rebinding';
    await webhooks.putEndpoint(shopId, { url: `http://rebind.example:${port}/hook` });
    const deliveryId = await recordDelivery(shopId);
    const before = hits.length;

    // One lookup; the connection goes to the public address it answered (unroutable here), not to a second answer.
    const first = await attempt(deliveryId, 1, 1_500);
    expect(first.error).toBeInstanceOf(Error);
    expect(asked).toEqual(['rebind.example']);
    expect(first.row).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
    expect(first.row?.lastError).toBeTruthy();
    expect(hits.length).toBe(before);

    // The retry looks again, gets loopback and is refused before connecting.
    const second = await attempt(deliveryId, 2, 1_500);
    expect(second.error).toBeInstanceOf(Error);
    expect(asked).toEqual(['rebind.example', 'rebind.example']);
    expect(second.row).toMatchObject({ status: 'pending', attempts: 2, lastStatus: null });
    expect(second.row?.lastError).toMatch(/private address/);
    expect(hits.length).toBe(before);
  });

  it('sends to the resolved address with the name as Host, signed with the secret of the moment', async () => {
    // Only this resolver knows the name: the request can arrive only through the address it answered.
    const asked: string[] = [];
    const resolver: Resolver = async (hostname) => {
      asked.push(hostname);
      return ['127.0.0.1'];
    };
    const { webhooks, recordDelivery, attempt } = deliveryHarness(resolver, true);
    const shopId = 'shop_pinned';
    const made = await webhooks.putEndpoint(shopId, { url: `http://merchant.invalid:${port}/hooks/dualstream` });
    const rotated = await webhooks.rotateSecret(shopId);
    expect(rotated.secret).not.toBe(made.secret);
    const deliveryId = await recordDelivery(shopId);
    const before = hits.length;

    const { error, row } = await attempt(deliveryId, 1, 5_000);
    expect(error).toBeNull();
    expect(asked).toEqual(['merchant.invalid']);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, lastError: null });
    const hit = hits.slice(before);
    expect(hit).toHaveLength(1);
    const [received] = hit;
    expect(received?.headers.host).toBe(`merchant.invalid:${port}`);
    expect(received?.headers['dualstream-delivery']).toBe(deliveryId);
    const raw = received?.raw ?? Buffer.alloc(0);
    const signature = String(received?.headers['dualstream-signature'] ?? '');
    expect(() => verifyWebhookSignature(rotated.secret ?? '', signature, raw, Date.now(), 300)).not.toThrow();
    expect(() => verifyWebhookSignature(made.secret ?? '', signature, raw, Date.now(), 300)).toThrow(/signature/);
  });
});
