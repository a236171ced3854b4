import { Agent } from 'node:http';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxPayments } from '../../src/drivers/payments/schema.ts';
import { orders } from '../../src/modules/orders/schema.ts';
import { payments } from '../../src/modules/payments/schema.ts';
import { TestClient } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { ADDRESS, createProduct, httpJson, manyBuyers, startLivePlatform, stockOf, type LivePlatform } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const KEYS = 50;
const DUPLICATES = 20;

let t: LivePlatform;
let skuId = '';
let buyer: { userId: string; token: string };

beforeAll(async () => {
  t = await startLivePlatform({ SCRYPT_COST: '1024' });
  const merchant = await new TestClient(t.app).signUp('merchant');
  skuId = (await createProduct(merchant, [{ priceMinor: 1200, stock: 5000 }])).skuIds[0] ?? '';
  [buyer] = (await manyBuyers(t, 1, `idem-${label}`)) as [{ userId: string; token: string }];
}, 60_000);
afterAll(async () => t.stop());

const body = (quantity: number) => ({ items: [{ skuId, quantity }], address: ADDRESS });

describe(`checkout idempotency under concurrent duplicates (${label})`, () => {
  it(`${KEYS} keys × ${DUPLICATES} concurrent duplicates make exactly ${KEYS} orders and ${KEYS} payment intents`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const send = (key: string, quantity = 1) =>
      httpJson(agent, `${t.base}/api/v1/checkout`, { method: 'POST', headers: { authorization: `Bearer ${buyer.token}`, 'idempotency-key': key }, body: body(quantity) });
    const keys = Array.from({ length: KEYS }, (_, i) => `idem-${label}-key-${String(i).padStart(4, '0')}`);
    // Every duplicate of every key in flight at once.
    const answers = await Promise.all(keys.flatMap((key) => Array.from({ length: DUPLICATES }, async () => ({ key, ...(await send(key)) }))));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const checkoutsByKey = new Map<string, Set<string>>();
    for (const answer of answers) {
      // The first request makes the checkout; a duplicate either waits its turn (409 in progress) or gets the same answer.
      if (answer.status === 409) {
        expect((answer.body as { code: string }).code).toBe('IDEMPOTENCY_IN_PROGRESS');
        continue;
      }
      expect(answer.status).toBe(201);
      const ids = checkoutsByKey.get(answer.key) ?? new Set<string>();
      ids.add((answer.body as { checkoutId: string }).checkoutId);
      checkoutsByKey.set(answer.key, ids);
    }
    for (const ids of checkoutsByKey.values()) expect(ids.size).toBe(1);

    // Once everything settled, each key replays its one checkout.
    const replays = await Promise.all(keys.map(async (key) => ({ key, ...(await send(key)) })));
    for (const replay of replays) {
      expect(replay.status).toBe(201);
      const checkoutId = (replay.body as { checkoutId: string }).checkoutId;
      const seen = checkoutsByKey.get(replay.key);
      if (seen) expect([...seen]).toEqual([checkoutId]);
    }
    const distinct = new Set(replays.map((r) => (r.body as { checkoutId: string }).checkoutId));
    expect(distinct.size).toBe(KEYS);

    const db = t.platform.drivers.database.db;
    const [orderCount] = await db.select({ n: sql<number>`count(*)` }).from(orders).where(eq(orders.userId, buyer.userId));
    const [paymentCount] = await db.select({ n: sql<number>`count(*)` }).from(payments).where(and(eq(payments.userId, buyer.userId), eq(payments.purpose, 'order')));
    const [intentCount] = await db.select({ n: sql<number>`count(*)` }).from(sandboxPayments).where(eq(sandboxPayments.amountMinor, 1200));
    expect(Number(orderCount?.n)).toBe(KEYS);
    expect(Number(paymentCount?.n)).toBe(KEYS);
    expect(Number(intentCount?.n)).toBe(KEYS);
    expect(await stockOf(t, skuId)).toEqual({ available: 5000 - KEYS, reserved: KEYS, sold: 0 });

    // The same key with another body is refused, and changes nothing.
    const reused = await send(keys[0] ?? '', 2);
    expect(reused.status).toBe(422);
    expect((reused.body as { code: string }).code).toBe('IDEMPOTENCY_CONFLICT');
    const [after] = await db.select({ n: sql<number>`count(*)` }).from(orders).where(eq(orders.userId, buyer.userId));
    expect(Number(after?.n)).toBe(KEYS);
    agent.destroy();
  }, 90_000);
});
