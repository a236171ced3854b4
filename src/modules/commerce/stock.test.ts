import { eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/app.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import { skus, stockReservations } from './schema.ts';
import type { CommerceService } from './service.ts';

/**
 * Stock primitives against the real database. Under DATABASE_URL (PostgreSQL, a pool of 10) the
 * concurrent cases really race; PGlite runs one transaction at a time and checks the same outcome.
 */
let t: TestPlatform;
let db: Db;
let commerce: CommerceService;
let merchant: Caller;

const HOUR = 3_600_000;
const later = () => new Date(Date.now() + HOUR);
const earlier = () => new Date(Date.now() - HOUR);

beforeAll(async () => {
  t = await startTestPlatform();
  db = t.platform.drivers.database.db;
  commerce = t.platform.modules.commerce.service;
  const signed = await t.platform.modules.identity.service.signUp({ email: `stock-${Date.now()}@example.com`, password: 'correct horse battery', displayName: 'Stock', role: 'merchant' });
  merchant = { userId: signed.user.id, role: 'merchant', deviceId: 'dev_test', viewerKey: signed.user.id, via: 'token', csrfToken: null };
}, 120_000);
afterAll(async () => t.close());

async function makeSkus(stocks: number[]): Promise<string[]> {
  const product = await commerce.createProduct(merchant, {
    title: 'Red handbag',
    skus: stocks.map((stock, i) => ({ options: { colour: `c${i}` }, priceMinor: 1999, currency: 'CNY', stock })),
  });
  return product.skus.map((s) => s.id);
}

async function counters(ids: string[]) {
  const rows = await db.select().from(skus).where(inArray(skus.id, ids));
  return new Map(rows.map((r) => [r.id, { available: r.stockAvailable, reserved: r.stockReserved, sold: r.stockSold }]));
}

async function reserveInTx(reference: string, lines: { skuId: string; quantity: number }[], expiresAt = later()) {
  return db.transaction((tx) => commerce.reserveStock(tx, { reference, lines, expiresAt }));
}

function codeOf(result: PromiseSettledResult<unknown>): string {
  if (result.status === 'fulfilled') return 'ok';
  return isAppError(result.reason) ? result.reason.code : `unexpected: ${String(result.reason)}`;
}

describe('stock primitives', () => {
  it('reserve → commit → return, release, replays, conflicts and refusals move exactly the right units', async () => {
    const [a, b] = await makeSkus([3, 10]);
    if (!a || !b) throw new Error('no skus');
    const first = await reserveInTx('ord_1', [{ skuId: a, quantity: 2 }, { skuId: b, quantity: 1 }, { skuId: a, quantity: 1 }]);
    expect(first.lines).toEqual([{ skuId: a, quantity: 3 }, { skuId: b, quantity: 1 }].sort((x, y) => (x.skuId < y.skuId ? -1 : 1)));
    expect((await counters([a])).get(a)).toEqual({ available: 0, reserved: 3, sold: 0 });
    expect((await commerce.getSku(a))?.sku.stock).toEqual({ state: 'sold_out', available: 0 });

    // The same reference and lines again: no second hold, even though A is sold out now.
    expect((await reserveInTx('ord_1', [{ skuId: a, quantity: 3 }, { skuId: b, quantity: 1 }])).replayed).toBe(true);
    await expect(reserveInTx('ord_1', [{ skuId: b, quantity: 2 }])).rejects.toMatchObject({ code: 'CONFLICT' });

    // All or nothing: B could be held, A cannot, so B is untouched.
    const refused = await reserveInTx('ord_2', [{ skuId: b, quantity: 1 }, { skuId: a, quantity: 1 }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'INSUFFICIENT_STOCK', extra: { skuId: a, available: 0 } });
    expect((await counters([b])).get(b)).toEqual({ available: 9, reserved: 1, sold: 0 });

    // The caller may catch the refusal and carry on: the savepoint undid this call's own moves.
    await db.transaction(async (tx) => {
      await commerce.reserveStock(tx, { reference: 'ord_3', lines: [{ skuId: b, quantity: 4 }, { skuId: a, quantity: 1 }], expiresAt: later() }).catch(() => undefined);
      await commerce.reserveStock(tx, { reference: 'ord_4', lines: [{ skuId: b, quantity: 2 }], expiresAt: later() });
    });
    expect((await counters([b])).get(b)).toEqual({ available: 7, reserved: 3, sold: 0 });

    await db.transaction(async (tx) => expect(await commerce.commitReservation(tx, 'ord_1')).toMatchObject({ outcome: 'committed' }));
    await db.transaction(async (tx) => expect(await commerce.commitReservation(tx, 'ord_1')).toMatchObject({ outcome: 'already_committed', lines: [] }));
    expect(await counters([a, b])).toEqual(
      new Map([
        [a, { available: 0, reserved: 0, sold: 3 }],
        [b, { available: 7, reserved: 2, sold: 1 }],
      ]),
    );
    await db.transaction(async (tx) => expect(await commerce.releaseReservation(tx, 'ord_4')).toMatchObject({ outcome: 'released' }));
    await db.transaction(async (tx) => expect(await commerce.releaseReservation(tx, 'ord_4')).toMatchObject({ outcome: 'already_released' }));
    await db.transaction(async (tx) => expect(await commerce.commitReservation(tx, 'ord_4')).toMatchObject({ outcome: 'already_released' }));
    await db.transaction(async (tx) => expect(await commerce.releaseReservation(tx, 'nothing')).toMatchObject({ outcome: 'none' }));
    expect((await counters([b])).get(b)).toEqual({ available: 9, reserved: 0, sold: 1 });

    await db.transaction((tx) => commerce.returnStock(tx, { reference: 'ord_1', skuId: a, quantity: 2 }));
    await expect(db.transaction((tx) => commerce.returnStock(tx, { reference: 'ord_1', skuId: a, quantity: 2 }))).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(db.transaction((tx) => commerce.returnStock(tx, { reference: 'ord_4', skuId: b, quantity: 1 }))).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect((await counters([a])).get(a)).toEqual({ available: 2, reserved: 0, sold: 1 });

    await expect(reserveInTx('ord_5', [{ skuId: 'sku_missing', quantity: 1 }])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reserveInTx('ord_5', [{ skuId: a, quantity: 0 }])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('a reference that holds one SKU and is refused another answers INSUFFICIENT_STOCK for that SKU, as checkout does per line', async () => {
    const [a, b] = await makeSkus([5, 1]);
    if (!a || !b) throw new Error('no skus');
    const refused = db.transaction(async (tx) => {
      await commerce.reserveStock(tx, { reference: 'ord_two_lines', lines: [{ skuId: a, quantity: 1 }], expiresAt: later() });
      await commerce.reserveStock(tx, { reference: 'ord_two_lines', lines: [{ skuId: b, quantity: 2 }], expiresAt: later() });
    });
    await expect(refused).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK', extra: { skuId: b, available: 1 } });
    expect(await counters([a, b])).toEqual(new Map([[a, { available: 5, reserved: 0, sold: 0 }], [b, { available: 1, reserved: 0, sold: 0 }]]));
  });

  it('an archived product cannot be reserved (0 available) and its SKUs read as sold out', async () => {
    const [a] = await makeSkus([5]);
    if (!a) throw new Error('no sku');
    const productId = (await commerce.getSku(a))?.product.id ?? '';
    await commerce.updateProduct(merchant, productId, { status: 'archived' });
    await expect(reserveInTx('ord_archived', [{ skuId: a, quantity: 1 }])).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK', extra: { skuId: a, available: 0 } });
    expect((await commerce.getSku(a))?.sku.stock).toEqual({ state: 'sold_out', available: 0 });
    expect((await counters([a])).get(a)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('the CHECK constraints refuse negative counters even from raw SQL', async () => {
    const [a] = await makeSkus([1]);
    if (!a) throw new Error('no sku');
    for (const column of ['stock_available', 'stock_reserved', 'stock_sold', 'price_minor']) {
      await expect(db.execute(sql`update skus set ${sql.raw(column)} = -1 where id = ${a}`)).rejects.toThrow();
    }
    await expect(db.execute(sql`update skus set price_minor = 0 where id = ${a}`)).rejects.toThrow();
    expect((await counters([a])).get(a)).toEqual({ available: 1, reserved: 0, sold: 0 });
  });

  it('any sequence of reserve / commit / release / return / expiry keeps available + reserved + sold constant per SKU, never negative (property)', async () => {
    type Op =
      | { kind: 'reserve'; lines: [number, number][]; expired: boolean }
      | { kind: 'commit' | 'release'; ref: number }
      | { kind: 'return'; ref: number; sku: number; quantity: number }
      | { kind: 'expire' }
      | { kind: 'adjust'; sku: number; delta: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), lines: fc.array(fc.tuple(fc.nat(2), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 3 }), expired: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('commit' as const, 'release' as const), ref: fc.nat(15) }),
      fc.record({ kind: fc.constant('return' as const), ref: fc.nat(15), sku: fc.nat(2), quantity: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('expire' as const) }),
      fc.record({ kind: fc.constant('adjust' as const), sku: fc.nat(2), delta: fc.integer({ min: -4, max: 4 }) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 3, maxLength: 3 }), fc.array(op, { minLength: 1, maxLength: 25 }), async (initial, ops) => {
        run++;
        const ids = await makeSkus(initial);
        const total = new Map(ids.map((id, i) => [id, initial[i] ?? 0]));
        const refs: { ref: string; expired: boolean }[] = [];
        for (const step of ops) {
          if (step.kind === 'reserve') {
            const ref = `p${run}-${refs.length}`;
            refs.push({ ref, expired: step.expired });
            await reserveInTx(ref, step.lines.map(([sku, quantity]) => ({ skuId: ids[sku] ?? '', quantity })), step.expired ? earlier() : later()).catch((e: unknown) => {
              if (!(isAppError(e) && e.code === 'INSUFFICIENT_STOCK')) throw e;
            });
          } else if (step.kind === 'commit' || step.kind === 'release') {
            const ref = refs[step.ref % Math.max(refs.length, 1)]?.ref ?? 'none';
            await db.transaction((tx) => (step.kind === 'commit' ? commerce.commitReservation(tx, ref) : commerce.releaseReservation(tx, ref)));
          } else if (step.kind === 'return') {
            const ref = refs[step.ref % Math.max(refs.length, 1)]?.ref ?? 'none';
            await db.transaction((tx) => commerce.returnStock(tx, { reference: ref, skuId: ids[step.sku] ?? '', quantity: step.quantity })).catch((e: unknown) => {
              if (!(isAppError(e) && e.code === 'INVALID_STATE')) throw e;
            });
          } else if (step.kind === 'expire') {
            const released = await commerce.releaseExpired(new Date(), 100);
            const mine = await db.select({ reference: stockReservations.reference, status: stockReservations.status, expiresAt: stockReservations.expiresAt }).from(stockReservations).where(inArray(stockReservations.skuId, ids));
            for (const row of mine) if (row.expiresAt.getTime() <= Date.now()) expect(row.status).not.toBe('held');
            for (const row of mine.filter((r) => released.includes(r.reference))) expect(row.status).toBe('released');
          } else if (step.kind === 'adjust') {
            const skuId = ids[step.sku] ?? '';
            const moved = await commerce.adjustStock(db, skuId, step.delta).then(
              () => true,
              (e: unknown) => {
                if (!(isAppError(e) && e.code === 'INSUFFICIENT_STOCK')) throw e;
                return false;
              },
            );
            if (moved) total.set(skuId, (total.get(skuId) ?? 0) + step.delta);
          }
          for (const [id, c] of await counters(ids)) {
            expect(c.available).toBeGreaterThanOrEqual(0);
            expect(c.reserved).toBeGreaterThanOrEqual(0);
            expect(c.sold).toBeGreaterThanOrEqual(0);
            expect(c.available + c.reserved + c.sold).toBe(total.get(id));
          }
        }
        // Reserved units are exactly what held reservations hold; sold what committed ones keep.
        const rows = await db.select().from(stockReservations).where(inArray(stockReservations.skuId, ids));
        for (const [id, c] of await counters(ids)) {
          const mine = rows.filter((r) => r.skuId === id);
          expect(c.reserved).toBe(mine.filter((r) => r.status === 'held').reduce((s, r) => s + r.quantity, 0));
          expect(c.sold).toBe(mine.filter((r) => r.status === 'committed').reduce((s, r) => s + r.quantity - r.returnedQuantity, 0));
        }
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});

describe('stock under concurrency (real concurrent transactions; races for real on PostgreSQL)', () => {
  it('200 concurrent 1-unit reservations against 50 available: exactly 50 succeed, 150 get INSUFFICIENT_STOCK, nothing negative', async () => {
    const [a] = await makeSkus([50]);
    if (!a) throw new Error('no sku');
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => reserveInTx(`flash-${i}`, [{ skuId: a, quantity: 1 }])));
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === 'ok')).toHaveLength(50);
    expect(codes.filter((c) => c === 'INSUFFICIENT_STOCK')).toHaveLength(150);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).extra).toEqual({ skuId: a, available: 0 });
    expect((await counters([a])).get(a)).toEqual({ available: 0, reserved: 50, sold: 0 });
    const held = await db.select().from(stockReservations).where(eq(stockReservations.skuId, a));
    expect(held).toHaveLength(50);
  }, 120_000);

  it('multi-line reservations naming the same SKUs in opposite orders never deadlock and never oversell', async () => {
    const [a, b] = await makeSkus([30, 1000]);
    if (!a || !b) throw new Error('no skus');
    const results = await Promise.allSettled(
      Array.from({ length: 120 }, (_, i) =>
        reserveInTx(`pair-${i}`, i % 2 === 0 ? [{ skuId: a, quantity: 1 }, { skuId: b, quantity: 2 }] : [{ skuId: b, quantity: 2 }, { skuId: a, quantity: 1 }]),
      ),
    );
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === 'ok')).toHaveLength(30);
    expect(codes.filter((c) => c === 'INSUFFICIENT_STOCK')).toHaveLength(90);
    expect(await counters([a, b])).toEqual(
      new Map([
        [a, { available: 0, reserved: 30, sold: 0 }],
        [b, { available: 940, reserved: 60, sold: 0 }],
      ]),
    );
  }, 120_000);

  it('releaseExpired from two concurrent callers releases each expired reservation exactly once, racing commits of the same references', async () => {
    const [a, b, c] = await makeSkus([100, 100, 100]);
    if (!a || !b || !c) throw new Error('no skus');
    // Everything else this file left held is released first, so the sweep below sees only these.
    while ((await commerce.releaseExpired(new Date(Date.now() + 10 * HOUR), 1000)).length > 0);
    const refs = Array.from({ length: 60 }, (_, i) => `exp-${i}`);
    for (const [i, ref] of refs.entries()) {
      await reserveInTx(ref, i % 3 === 0 ? [{ skuId: a, quantity: 1 }] : [{ skuId: a, quantity: 1 }, { skuId: b, quantity: 2 }, { skuId: c, quantity: 1 }], earlier());
    }
    const paying = refs.filter((_, i) => i % 4 === 0);
    const now = new Date();
    const sweep = async (): Promise<string[]> => {
      const all: string[] = [];
      for (let idle = 0; idle < 3; ) {
        const got = await commerce.releaseExpired(now, 7);
        all.push(...got);
        idle = got.length === 0 ? idle + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return all;
    };
    const [one, two, commits] = await Promise.all([
      sweep(),
      sweep(),
      Promise.all(paying.map((ref) => db.transaction((tx) => commerce.commitReservation(tx, ref)))),
    ]);
    const released = [...one, ...two];
    expect(new Set(released).size).toBe(released.length);
    const committed = paying.filter((_, i) => commits[i]?.outcome === 'committed');
    expect(commits.every((r) => r.outcome === 'committed' || r.outcome === 'already_released')).toBe(true);
    expect([...released, ...committed].sort()).toEqual([...refs].sort());

    const rows = await db.select().from(stockReservations).where(inArray(stockReservations.reference, refs));
    for (const ref of refs) {
      const states = new Set(rows.filter((r) => r.reference === ref).map((r) => r.status));
      expect(states.size, ref).toBe(1);
      expect([...states][0]).toBe(committed.includes(ref) ? 'committed' : 'released');
    }
    const soldOf = (skuId: string) => rows.filter((r) => r.skuId === skuId && r.status === 'committed').reduce((s, r) => s + r.quantity, 0);
    for (const skuId of [a, b, c]) {
      const counter = (await counters([skuId])).get(skuId);
      expect(counter).toEqual({ available: 100 - soldOf(skuId), reserved: 0, sold: soldOf(skuId) });
    }
  }, 180_000);
});
