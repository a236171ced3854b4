import { and, eq, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { adDailyGrants, adUnlocks, type AdRefusalReason, type AdUnlockStatus } from './schema.ts';

export type { AdRefusalReason, AdUnlockStatus } from './schema.ts';

export interface AdUnlockView {
  id: string;
  episodeId: string;
  status: AdUnlockStatus;
  reason: AdRefusalReason | null;
}

export type AdUnlockRow = typeof adUnlocks.$inferSelect;

export type AdsService = ReturnType<typeof createAdsService>;

export function toAdUnlockView(row: AdUnlockRow): AdUnlockView {
  return { id: row.id, episodeId: row.episodeId, status: row.status, reason: row.reason };
}

/** The UTC calendar day a cap counts in. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function createAdsService(deps: { db: Db; clock: Clock; dailyCap: number }) {
  const { db, clock, dailyCap } = deps;

  async function grantedToday(userId: string, executor: DbOrTx = db): Promise<number> {
    const [row] = await executor
      .select({ granted: adDailyGrants.granted })
      .from(adDailyGrants)
      .where(and(eq(adDailyGrants.userId, userId), eq(adDailyGrants.day, utcDay(clock.now()))));
    return row?.granted ?? 0;
  }

  async function remainingToday(userId: string, executor: DbOrTx = db): Promise<number> {
    return Math.max(0, dailyCap - (await grantedToday(userId, executor)));
  }

  async function create(input: { userId: string; episodeId: string; seriesId: string; network: string }): Promise<AdUnlockRow> {
    const [row] = await db
      .insert(adUnlocks)
      .values({ id: newId('adUnlock'), ...input, createdAt: clock.now() })
      .returning();
    if (!row) throw new Error('ad unlock insert returned nothing');
    return row;
  }

  async function attachView(id: string, networkViewId: string): Promise<void> {
    await db.update(adUnlocks).set({ networkViewId }).where(eq(adUnlocks.id, id));
  }

  async function find(id: string, executor: DbOrTx = db): Promise<AdUnlockRow | null> {
    const [row] = await executor.select().from(adUnlocks).where(eq(adUnlocks.id, id));
    return row ?? null;
  }

  /** Only its viewer sees an ad unlock; to anyone else it does not exist. */
  async function viewFor(userId: string, id: string): Promise<AdUnlockView> {
    const row = await find(id);
    if (!row || row.userId !== userId) throw new AppError('NOT_FOUND', 'Ad unlock not found');
    return toAdUnlockView(row);
  }

  /** Locks the row for the callback's transaction: concurrent callbacks for it run one after another. */
  async function lockForCallback(tx: DbOrTx, id: string): Promise<AdUnlockRow | null> {
    const [row] = await tx.select().from(adUnlocks).where(eq(adUnlocks.id, id)).for('update');
    return row ?? null;
  }

  async function transactionSeen(tx: DbOrTx, transactionId: string): Promise<boolean> {
    const rows = await tx.select({ id: adUnlocks.id }).from(adUnlocks).where(eq(adUnlocks.networkTransactionId, transactionId)).limit(1);
    return rows.length > 0;
  }

  /**
   * Takes one of today's slots, or answers false at the cap. One statement: the upsert locks the
   * user's counter row, and a concurrent one re-checks `granted < cap` after this one commits.
   */
  async function takeDailySlot(tx: DbOrTx, userId: string): Promise<boolean> {
    if (dailyCap <= 0) return false;
    const taken = await tx
      .insert(adDailyGrants)
      .values({ userId, day: utcDay(clock.now()), granted: 1 })
      .onConflictDoUpdate({
        target: [adDailyGrants.userId, adDailyGrants.day],
        set: { granted: sql`${adDailyGrants.granted} + 1` },
        setWhere: sql`${adDailyGrants.granted} < ${dailyCap}`,
      })
      .returning({ granted: adDailyGrants.granted });
    return taken.length > 0;
  }

  async function releaseDailySlot(tx: DbOrTx, userId: string): Promise<void> {
    await tx
      .update(adDailyGrants)
      .set({ granted: sql`${adDailyGrants.granted} - 1` })
      .where(and(eq(adDailyGrants.userId, userId), eq(adDailyGrants.day, utcDay(clock.now())), sql`${adDailyGrants.granted} > 0`));
  }

  async function resolve(tx: DbOrTx, id: string, outcome: { transactionId: string } & ({ status: 'granted' } | { status: 'refused'; reason: AdRefusalReason })): Promise<AdUnlockRow> {
    const [row] = await tx
      .update(adUnlocks)
      .set({
        status: outcome.status,
        reason: outcome.status === 'refused' ? outcome.reason : null,
        networkTransactionId: outcome.transactionId,
        resolvedAt: clock.now(),
      })
      .where(and(eq(adUnlocks.id, id), eq(adUnlocks.status, 'watching')))
      .returning();
    if (!row) throw new AppError('INVALID_STATE', 'This ad unlock is already settled');
    return row;
  }

  return { dailyCap, grantedToday, remainingToday, create, attachView, find, viewFor, lockForCallback, transactionSeen, takeDailySlot, releaseDailySlot, resolve };
}
