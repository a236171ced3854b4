import { and, asc, count, eq, gte, inArray, lte, min, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { pgErrorCode, PG_FOREIGN_KEY_VIOLATION } from '../../drivers/db/errors.ts';
import { products, skus, stockReservations } from './schema.ts';

/**
 * Stock per SKU lives in three counters: available, reserved, sold. Every move between them is
 * one conditional UPDATE whose WHERE carries the condition (`stock_available >= q`), so two
 * buyers can never both take the last unit; there is no read-then-write anywhere, and the CHECKs
 * (each counter >= 0) stop whatever slipped through. SKU rows are always locked in id order, so
 * multi-line reservations cannot deadlock one another.
 */

export interface StockLine {
  skuId: string;
  quantity: number;
}

export interface ReserveInput {
  /** The caller's key for the reservation (e.g. an order id); unique per SKU. */
  reference: string;
  lines: StockLine[];
  expiresAt: Date;
}

export interface ReserveResult {
  reference: string;
  lines: StockLine[];
  expiresAt: Date;
  /** The reference already held exactly these lines: nothing was reserved twice. */
  replayed: boolean;
}

/** What a commit or release found: 'none' = no reservation under this reference. */
export type ReservationOutcome = 'committed' | 'released' | 'already_committed' | 'already_released' | 'none';

export interface ReservationChange {
  outcome: ReservationOutcome;
  lines: StockLine[];
}

export type StockPrimitives = ReturnType<typeof createStockPrimitives>;

class ReplaySignal extends Error {}

function assertQuantity(quantity: number): void {
  if (!Number.isSafeInteger(quantity) || quantity <= 0) throw new AppError('VALIDATION_FAILED', 'A quantity is a whole number ≥ 1');
}

/** Duplicate SKUs merged, sorted by id: the lock order. */
function normaliseLines(lines: StockLine[]): StockLine[] {
  const merged = new Map<string, number>();
  for (const line of lines) {
    assertQuantity(line.quantity);
    merged.set(line.skuId, (merged.get(line.skuId) ?? 0) + line.quantity);
  }
  return [...merged].map(([skuId, quantity]) => ({ skuId, quantity })).sort((a, b) => (a.skuId < b.skuId ? -1 : a.skuId > b.skuId ? 1 : 0));
}

export function createStockPrimitives(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function shortage(executor: DbOrTx, skuId: string): Promise<AppError> {
    const [row] = await executor
      .select({ available: skus.stockAvailable, status: products.status })
      .from(skus)
      .innerJoin(products, eq(products.id, skus.productId))
      .where(eq(skus.id, skuId));
    if (!row) return new AppError('NOT_FOUND', `SKU ${skuId} not found`, { skuId });
    const available = row.status === 'active' ? row.available : 0;
    return new AppError('INSUFFICIENT_STOCK', `Only ${available} left of SKU ${skuId}`, { skuId, available });
  }

  async function replay(executor: DbOrTx, input: ReserveInput, lines: StockLine[]): Promise<ReserveResult | null> {
    const existing = await executor.select().from(stockReservations).where(eq(stockReservations.reference, input.reference));
    if (existing.length === 0) return null;
    const same =
      existing.length === lines.length &&
      existing.every((row) => row.status !== 'released' && lines.some((l) => l.skuId === row.skuId && l.quantity === row.quantity));
    if (!same) throw new AppError('CONFLICT', `Reservation ${input.reference} already exists with other lines or was released`, { reference: input.reference });
    return { reference: input.reference, lines, expiresAt: existing[0]?.expiresAt ?? input.expiresAt, replayed: true };
  }

  /**
   * All or nothing, inside the caller's transaction (a savepoint, so a refusal undoes this call's
   * own updates even if the caller carries on). Refuses with INSUFFICIENT_STOCK { skuId, available }.
   * Calling again with the same reference and lines is a no-op (`replayed: true`).
   */
  async function reserveStock(executor: DbOrTx, input: ReserveInput): Promise<ReserveResult> {
    if (input.reference.length === 0) throw new AppError('VALIDATION_FAILED', 'A reservation needs a reference');
    const lines = normaliseLines(input.lines);
    if (lines.length === 0) throw new AppError('VALIDATION_FAILED', 'A reservation needs at least one line');
    const now = clock.now();
    try {
      return await executor.transaction(async (sp) => {
        // The holds first, then the counters: a hot SKU row stays locked only from its UPDATE to the
        // commit. A repeated reference is seen here, before any counter moved.
        const inserted = await sp
          .insert(stockReservations)
          .values(lines.map((l) => ({ id: newId('reservation'), reference: input.reference, skuId: l.skuId, quantity: l.quantity, expiresAt: input.expiresAt, createdAt: now, updatedAt: now })))
          .onConflictDoNothing({ target: [stockReservations.reference, stockReservations.skuId] })
          .returning({ id: stockReservations.id });
        if (inserted.length !== lines.length) throw new ReplaySignal();
        for (const line of lines) {
          const moved = await sp
            .update(skus)
            .set({
              stockAvailable: sql`${skus.stockAvailable} - ${line.quantity}`,
              stockReserved: sql`${skus.stockReserved} + ${line.quantity}`,
              updatedAt: now,
            })
            .where(
              and(
                eq(skus.id, line.skuId),
                gte(skus.stockAvailable, line.quantity),
                sql`exists (select 1 from ${products} where ${products.id} = ${skus.productId} and ${products.status} = 'active')`,
              ),
            )
            .returning({ id: skus.id });
          if (moved.length === 0) throw await shortage(sp, line.skuId);
        }
        return { reference: input.reference, lines, expiresAt: input.expiresAt, replayed: false };
      });
    } catch (error) {
      // A retry under the same reference: the savepoint is undone, the first reservation stands.
      if (error instanceof ReplaySignal) {
        const replayed = await replay(executor, input, lines);
        if (replayed) return replayed;
      } else if (pgErrorCode(error) === PG_FOREIGN_KEY_VIOLATION) {
        // A hold naming an unknown SKU: answer NOT_FOUND for it, as the counters' UPDATE would.
        for (const line of lines) {
          const refusal = await shortage(executor, line.skuId);
          if (refusal.code === 'NOT_FOUND') throw refusal;
        }
      }
      throw error;
    }
  }

  /**
   * Moves a reference's held lines to one state in one UPDATE (its row locks serialise a
   * concurrent commit, release or expiry of the same reference), then the SKU counters.
   */
  async function settle(executor: DbOrTx, reference: string, to: 'committed' | 'released'): Promise<ReservationChange> {
    return executor.transaction(async (tx) => {
      const now = clock.now();
      const moved = await tx
        .update(stockReservations)
        .set({ status: to, updatedAt: now })
        .where(and(eq(stockReservations.reference, reference), eq(stockReservations.status, 'held')))
        .returning({ skuId: stockReservations.skuId, quantity: stockReservations.quantity });
      if (moved.length === 0) {
        const [found] = await tx.select({ status: stockReservations.status }).from(stockReservations).where(eq(stockReservations.reference, reference)).limit(1);
        const outcome: ReservationOutcome = !found ? 'none' : found.status === 'committed' ? 'already_committed' : 'already_released';
        return { outcome, lines: [] };
      }
      const lines = normaliseLines(moved);
      for (const line of lines) {
        const set =
          to === 'committed'
            ? { stockReserved: sql`${skus.stockReserved} - ${line.quantity}`, stockSold: sql`${skus.stockSold} + ${line.quantity}`, updatedAt: now }
            : { stockReserved: sql`${skus.stockReserved} - ${line.quantity}`, stockAvailable: sql`${skus.stockAvailable} + ${line.quantity}`, updatedAt: now };
        const updated = await tx
          .update(skus)
          .set(set)
          .where(and(eq(skus.id, line.skuId), gte(skus.stockReserved, line.quantity)))
          .returning({ id: skus.id });
        if (updated.length === 0) throw new AppError('INTERNAL', `SKU ${line.skuId} holds fewer reserved units than reservation ${reference}`);
      }
      return { outcome: to, lines };
    });
  }

  /** held → committed (reserved → sold), when the order is paid. A commit after expiry finds 'already_released'. */
  const commitReservation = (executor: DbOrTx, reference: string) => settle(executor, reference, 'committed');

  /** held → released (reserved → available); idempotent. */
  const releaseReservation = (executor: DbOrTx, reference: string) => settle(executor, reference, 'released');

  /**
   * Releases held reservations that are due, at most `limit` references per call, and returns the
   * references released (so orders can cancel). Rows are claimed with FOR UPDATE SKIP LOCKED, and a
   * reference is released only when this call holds every one of its held rows, so two workers
   * never release one twice and a reference is never half released while it is being committed.
   */
  async function releaseExpired(now: Date, limit: number): Promise<string[]> {
    return db.transaction(async (tx) => {
      const due = await tx
        .select({ reference: stockReservations.reference, dueAt: min(stockReservations.expiresAt) })
        .from(stockReservations)
        .where(and(eq(stockReservations.status, 'held'), lte(stockReservations.expiresAt, now)))
        .groupBy(stockReservations.reference)
        .orderBy(min(stockReservations.expiresAt), stockReservations.reference)
        .limit(limit);
      const references = due.map((d) => d.reference);
      if (references.length === 0) return [];
      const claimed = await tx
        .select({ id: stockReservations.id, reference: stockReservations.reference, skuId: stockReservations.skuId, quantity: stockReservations.quantity })
        .from(stockReservations)
        .where(and(inArray(stockReservations.reference, references), eq(stockReservations.status, 'held')))
        .orderBy(asc(stockReservations.reference), asc(stockReservations.skuId))
        .for('update', { skipLocked: true });
      const heldCounts = await tx
        .select({ reference: stockReservations.reference, held: count() })
        .from(stockReservations)
        .where(and(inArray(stockReservations.reference, references), eq(stockReservations.status, 'held')))
        .groupBy(stockReservations.reference);
      const claimedCount = new Map<string, number>();
      for (const row of claimed) claimedCount.set(row.reference, (claimedCount.get(row.reference) ?? 0) + 1);
      const whole = new Set(heldCounts.filter((h) => h.held > 0 && claimedCount.get(h.reference) === h.held).map((h) => h.reference));
      const rows = claimed.filter((row) => whole.has(row.reference));
      if (rows.length === 0) return [];
      const stamp = clock.now();
      await tx
        .update(stockReservations)
        .set({ status: 'released', updatedAt: stamp })
        .where(and(inArray(stockReservations.id, rows.map((r) => r.id)), eq(stockReservations.status, 'held')));
      for (const line of normaliseLines(rows)) {
        const updated = await tx
          .update(skus)
          .set({ stockReserved: sql`${skus.stockReserved} - ${line.quantity}`, stockAvailable: sql`${skus.stockAvailable} + ${line.quantity}`, updatedAt: stamp })
          .where(and(eq(skus.id, line.skuId), gte(skus.stockReserved, line.quantity)))
          .returning({ id: skus.id });
        if (updated.length === 0) throw new AppError('INTERNAL', `SKU ${line.skuId} holds fewer reserved units than its expired reservations`);
      }
      return references.filter((r) => whole.has(r));
    });
  }

  /**
   * A refunded line back on sale: sold → available, at most what the reference committed for
   * this SKU, summed over all returns (so a repeated refund cannot restock twice the units).
   */
  async function returnStock(executor: DbOrTx, input: { reference: string; skuId: string; quantity: number }): Promise<void> {
    assertQuantity(input.quantity);
    await executor.transaction(async (tx) => {
      const now = clock.now();
      const counted = await tx
        .update(stockReservations)
        .set({ returnedQuantity: sql`${stockReservations.returnedQuantity} + ${input.quantity}`, updatedAt: now })
        .where(
          and(
            eq(stockReservations.reference, input.reference),
            eq(stockReservations.skuId, input.skuId),
            eq(stockReservations.status, 'committed'),
            sql`${stockReservations.returnedQuantity} + ${input.quantity} <= ${stockReservations.quantity}`,
          ),
        )
        .returning({ id: stockReservations.id });
      if (counted.length === 0) {
        throw new AppError('INVALID_STATE', `Reservation ${input.reference} has no ${input.quantity} sold unit(s) of SKU ${input.skuId} left to return`, { reference: input.reference, skuId: input.skuId });
      }
      const updated = await tx
        .update(skus)
        .set({ stockSold: sql`${skus.stockSold} - ${input.quantity}`, stockAvailable: sql`${skus.stockAvailable} + ${input.quantity}`, updatedAt: now })
        .where(and(eq(skus.id, input.skuId), gte(skus.stockSold, input.quantity)))
        .returning({ id: skus.id });
      if (updated.length === 0) throw new AppError('INTERNAL', `SKU ${input.skuId} has fewer sold units than reservation ${input.reference} committed`);
    });
  }

  /** The merchant's restock or write-off: available += delta, never below zero. */
  async function adjustStock(executor: DbOrTx, skuId: string, delta: number): Promise<number> {
    if (!Number.isSafeInteger(delta)) throw new AppError('VALIDATION_FAILED', 'A stock adjustment is a whole number');
    const [row] = await executor
      .update(skus)
      .set({ stockAvailable: sql`${skus.stockAvailable} + ${delta}`, updatedAt: clock.now() })
      .where(and(eq(skus.id, skuId), sql`${skus.stockAvailable} + ${delta} >= 0`))
      .returning({ available: skus.stockAvailable });
    if (row) return row.available;
    const [current] = await executor.select({ available: skus.stockAvailable }).from(skus).where(eq(skus.id, skuId));
    if (!current) throw new AppError('NOT_FOUND', `SKU ${skuId} not found`, { skuId });
    throw new AppError('INSUFFICIENT_STOCK', `Only ${current.available} available to take away`, { skuId, available: current.available });
  }

  return { reserveStock, commitReservation, releaseReservation, releaseExpired, returnStock, adjustStock };
}
