import type { Agent} from 'node:http';
import { request as httpRequest } from 'node:http';
import { eq, inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { registerWorkers } from '../../src/app.ts';
import type { Clock } from '../../src/core/clock.ts';
import { newId } from '../../src/core/ids.ts';
import { skus } from '../../src/modules/commerce/schema.ts';
import { apiTokens, users } from '../../src/modules/identity/schema.ts';
import { hashToken, newSecretToken } from '../../src/modules/identity/tokens.ts';
import { orders } from '../../src/modules/orders/schema.ts';
import { jobs } from '../../src/drivers/queue/schema.ts';
import { freePort, until } from '../support/async.ts';
import type { TestClient} from '../support/app.ts';
import { startTestPlatform, type TestPlatform } from '../support/app.ts';

export const ADDRESS = { name: 'Lin Mei', line1: '88 Nanjing Road', city: 'Shanghai', postcode: '200001', country: 'CN', phone: '+86 21 5555 0101' };

export interface LivePlatform extends TestPlatform {
  base: string;
  stop(): Promise<void>;
}

/** The real platform listening on a real port (the sandbox posts its webhooks to it), with the worker running. */
export async function startLivePlatform(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<LivePlatform> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestPlatform({ PUBLIC_URL: base, PAYMENTS_SANDBOX_DUPLICATE_WEBHOOKS: 'true', ...env }, options);
  registerWorkers(t.platform);
  // A deep accept queue: the flash sale opens a thousand connections at once.
  await t.app.listen({ port, host: '127.0.0.1', backlog: 2048 });
  t.platform.drivers.queue.start();
  return {
    ...t,
    base,
    stop: async () => {
      await t.platform.drivers.queue.stop(2_000);
      // A socket that never sent a request would hold app.close() until Node's headers timeout.
      t.app.server.closeAllConnections();
      await t.close();
    },
  };
}

export interface SkuSpec {
  priceMinor?: number;
  currency?: string;
  stock?: number;
  options?: Record<string, string>;
}

/** A product with one SKU per spec, through the commerce API; returns its id and the SKU ids in order. */
export async function createProduct(merchant: TestClient, specs: SkuSpec[] = [{}], title = `Red handbag ${Math.random().toString(36).slice(2, 7)}`): Promise<{ productId: string; skuIds: string[] }> {
  const response = await merchant.post('/api/v1/products', {
    title,
    images: ['https://example.com/bag.jpg'],
    skus: specs.map((spec, i) => ({ options: spec.options ?? { size: `S${i}` }, priceMinor: spec.priceMinor ?? 1999, currency: spec.currency ?? 'CNY', stock: spec.stock ?? 10 })),
  });
  expect(response.statusCode, response.body).toBe(201);
  const product = response.json<{ id: string; skus: { id: string }[] }>();
  return { productId: product.id, skuIds: product.skus.map((s) => s.id) };
}

export async function shopSettings(merchant: TestClient, body: { shippingFlatMinor: number; freeShippingOverMinor: number | null; currency: string; restockOnRefund: boolean }): Promise<void> {
  const response = await merchant.put('/api/v1/shop/settings', body);
  expect(response.statusCode, response.body).toBe(200);
}

export interface CheckoutAnswer {
  checkoutId: string;
  paymentId: string;
  redirectUrl: string;
  orders: OrderJson[];
}

export interface OrderJson {
  id: string;
  shopId: string;
  userId: string;
  status: string;
  currency: string;
  subtotalMinor: number;
  shippingMinor: number;
  totalMinor: number;
  refundedMinor: number;
  paymentId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  lines: {
    id: string;
    skuId: string;
    image: string | null;
    quantity: number;
    unitPriceMinor: number;
    refundedQuantity: number;
    attribution: { seriesId: string; episodeId: string; placementId: string; atMs: number; touchType: string; touchedAt: string } | null;
  }[];
}

export function checkout(client: TestClient, body: Record<string, unknown>, key: string) {
  return client.request('POST', '/api/v1/checkout', { address: ADDRESS, ...body }, { 'idempotency-key': key });
}

/** Presses Pay (or Fail) on the sandbox's hosted page, as the buyer's browser would. */
export async function pressHostedPage(redirectUrl: string, outcome: 'succeed' | 'fail'): Promise<Response> {
  return fetch(`${redirectUrl}/${outcome}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
}

export async function stockOf(t: TestPlatform, skuId: string): Promise<{ available: number; reserved: number; sold: number }> {
  const [row] = await t.platform.drivers.database.db.select().from(skus).where(eq(skus.id, skuId));
  if (!row) throw new Error(`no SKU ${skuId}`);
  return { available: row.stockAvailable, reserved: row.stockReserved, sold: row.stockSold };
}

export async function orderStatuses(t: TestPlatform, orderIds: string[]): Promise<Map<string, string>> {
  if (orderIds.length === 0) return new Map();
  const rows = await t.platform.drivers.database.db.select({ id: orders.id, status: orders.status }).from(orders).where(inArray(orders.id, orderIds));
  return new Map(rows.map((r) => [r.id, r.status]));
}

export async function waitForStatus(t: TestPlatform, orderIds: string[], status: string, timeoutMs = 30_000): Promise<void> {
  await until(
    `${orderIds.length} order(s) to be ${status}`,
    async () => {
      const statuses = await orderStatuses(t, orderIds);
      return orderIds.every((id) => statuses.get(id) === status);
    },
    timeoutMs,
  );
}

/** Every job of these queues has finished (done or dead). */
export async function queuesSettled(t: TestPlatform, names: string[]): Promise<boolean> {
  const rows = await t.platform.drivers.database.db.select({ status: jobs.status }).from(jobs).where(inArray(jobs.queue, names));
  return rows.every((j) => j.status === 'done' || j.status === 'dead');
}

/**
 * Many signed-in buyers fast: one account made through the identity service gives a real password
 * hash; the rest are rows in one multi-row insert with that hash, each with an API token (stored
 * hashed, as the identity service stores them), so every request authenticates the normal way.
 */
export async function manyBuyers(t: TestPlatform, count: number, prefix: string): Promise<{ userId: string; token: string }[]> {
  const db = t.platform.drivers.database.db;
  const first = await t.platform.modules.identity.service.signUp({ email: `${prefix}-template@example.com`, password: 'correct horse battery', displayName: 'Buyer', role: 'viewer' });
  const [template] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, first.user.id));
  const buyers = Array.from({ length: count }, (_, i) => ({ userId: newId('user'), token: newSecretToken('dst'), i }));
  for (let start = 0; start < count; start += 500) {
    const slice = buyers.slice(start, start + 500);
    await db.insert(users).values(slice.map((b) => ({ id: b.userId, email: `${prefix}-${b.i}@example.com`, passwordHash: template?.passwordHash ?? '', displayName: `Buyer ${b.i}`, role: 'viewer' as const })));
    await db.insert(apiTokens).values(slice.map((b) => ({ id: newId('apiToken'), userId: b.userId, name: 'test', tokenHash: hashToken(b.token) })));
  }
  return buyers.map(({ userId, token }) => ({ userId, token }));
}

/**
 * A JSON request over node:http with its own socket pool: every call gets a connection at once
 * (fetch's pool opens connections gradually, which would serialise a rush of buyers).
 */
export function httpJson(agent: Agent, url: string, init: { method: string; headers: Record<string, string>; body?: unknown }): Promise<{ status: number; body: unknown }> {
  const target = new URL(url);
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: init.method,
        agent,
        headers: { ...init.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: response.statusCode ?? 0, body });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
