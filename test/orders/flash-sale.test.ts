import { Agent } from 'node:http';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { orderLines, orders } from '../../src/modules/orders/schema.ts';
import { TestClient } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { ADDRESS, createProduct, httpJson, manyBuyers, pressHostedPage, startLivePlatform, stockOf, waitForStatus, type CheckoutAnswer, type LivePlatform } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const BUYERS = 1000;
const UNITS = 100;

// The platform's clock: frozen, so the second phase can jump past the reservations' deadline.
const clock = fixedClock(new Date());
let t: LivePlatform;
let buyers: { userId: string; token: string }[] = [];
let merchant: TestClient;
let peakInFlight = 0;

beforeAll(async () => {
  t = await startLivePlatform({ SCRYPT_COST: '1024', CHECKOUT_EXPIRY_INTERVAL_MS: '200', WORKER_CONCURRENCY: '4' }, { clock });
  let inFlight = 0;
  t.app.server.on('request', (_request, response) => {
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    response.on('close', () => (inFlight -= 1));
  });
  merchant = await new TestClient(t.app).signUp('merchant');
  buyers = await manyBuyers(t, BUYERS, `flash-${label}`);
}, 120_000);
afterAll(async () => t.stop());

interface Outcome {
  status: number;
  body: { code?: string } & Partial<CheckoutAnswer>;
}

/**
 * Every buyer at once, over real HTTP: one socket each (no client-side limit), every request
 * written before any answer is awaited.
 */
async function rush(skuId: string, round: string, who = buyers): Promise<Outcome[]> {
  peakInFlight = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    return await Promise.all(
      who.map(async (buyer, i) => {
        const response = await httpJson(agent, `${t.base}/api/v1/checkout`, {
          method: 'POST',
          headers: { authorization: `Bearer ${buyer.token}`, 'idempotency-key': `flash-${round}-${i}` },
          body: { items: [{ skuId, quantity: 1 }], address: ADDRESS },
        });
        return { status: response.status, body: response.body as Outcome['body'] };
      }),
    );
  } finally {
    agent.destroy();
  }
}

async function paidOrderCount(skuId: string): Promise<{ orders: number; units: number }> {
  const [row] = await t.platform.drivers.database.db
    .select({ orders: sql<number>`count(distinct ${orders.id})`, units: sql<number>`coalesce(sum(${orderLines.quantity}), 0)` })
    .from(orders)
    .innerJoin(orderLines, eq(orderLines.orderId, orders.id))
    .where(and(eq(orderLines.skuId, skuId), inArray(orders.status, ['paid'])));
  return { orders: Number(row?.orders ?? 0), units: Number(row?.units ?? 0) };
}

describe(`flash sale: ${BUYERS} concurrent buyers for the last ${UNITS} units (${label})`, () => {
  it(`sells exactly ${UNITS}, never more, answers every loser INSUFFICIENT_STOCK and no one 5xx`, async () => {
    const { skuIds } = await createProduct(merchant, [{ priceMinor: 9900, stock: UNITS }], 'Flash-sale handbag');
    const skuId = skuIds[0] ?? '';
    const started = Date.now();
    const outcomes = await rush(skuId, 'one');
    const rushMs = Date.now() - started;
    const winners = outcomes.filter((o) => o.status === 201);
    const losers = outcomes.filter((o) => o.status !== 201);
    console.log(`[${label}] ${BUYERS} checkouts in ${rushMs} ms, peak ${peakInFlight} in flight at the server`);
    expect(outcomes.filter((o) => o.status >= 500)).toEqual([]);
    expect(winners).toHaveLength(UNITS);
    expect(losers.every((o) => o.status === 409 && o.body.code === 'INSUFFICIENT_STOCK')).toBe(true);
    // PostgreSQL serves requests in parallel; PGlite runs each request's queries to the end before the next.
    if (label === 'postgres') expect(peakInFlight).toBeGreaterThan(BUYERS / 4);
    expect(await stockOf(t, skuId)).toEqual({ available: 0, reserved: UNITS, sold: 0 });

    // Every winner pays on the hosted page (a few browsers at a time).
    const pending = winners.map((w) => w.body as CheckoutAnswer);
    for (let i = 0; i < pending.length; i += 10) {
      const presses = await Promise.all(pending.slice(i, i + 10).map((w) => pressHostedPage(w.redirectUrl, 'succeed')));
      expect(presses.every((p) => p.status === 303)).toBe(true);
    }
    await waitForStatus(
      t,
      pending.flatMap((w) => (w.orders ?? []).map((o) => o.id)),
      'paid',
      45_000,
    );
    expect(await paidOrderCount(skuId)).toEqual({ orders: UNITS, units: UNITS });
    expect(await stockOf(t, skuId)).toEqual({ available: 0, reserved: 0, sold: UNITS });
  }, 90_000);

  it('returns expired reservations to available', async () => {
    const units = 50;
    const { skuIds } = await createProduct(merchant, [{ priceMinor: 500, stock: units }], 'Second drop');
    const skuId = skuIds[0] ?? '';
    const outcomes = await rush(skuId, 'two', buyers.slice(0, 150));
    expect(outcomes.filter((o) => o.status >= 500)).toEqual([]);
    const winners = outcomes.filter((o) => o.status === 201).map((o) => o.body as CheckoutAnswer);
    expect(winners).toHaveLength(units);
    expect(await stockOf(t, skuId)).toEqual({ available: 0, reserved: units, sold: 0 });

    // Nobody pays; 15 minutes later the expiry job cancels every order and the units are on sale again.
    clock.advance(15 * 60_000 + 1_000);
    await waitForStatus(
      t,
      winners.flatMap((w) => (w.orders ?? []).map((o) => o.id)),
      'cancelled',
      20_000,
    );
    expect(await stockOf(t, skuId)).toEqual({ available: units, reserved: 0, sold: 0 });
    expect(await paidOrderCount(skuId)).toEqual({ orders: 0, units: 0 });
  }, 60_000);
});
