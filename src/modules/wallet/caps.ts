import { and, eq, gte, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, DbOrTx, Tx } from '../../drivers/db/types.ts';
import { startOfUtcDay, startOfUtcMonth } from './packs.ts';
import { walletCaps, walletSpends } from './schema.ts';

export interface SpendingCaps {
  dailyCoins: number | null;
  monthlyCoins: number | null;
  /** True when the viewer set none and the operator default applies. */
  isDefault: boolean;
}

export interface WalletDefaults {
  dailyCoins: number | null;
  monthlyCoins: number | null;
}

/** Daily and monthly coin-spend limits; checked inside the spend transaction, after the wallet lock. */
export function createSpendingCaps(deps: { db: Db; clock: Clock; defaults: WalletDefaults }) {
  const { db, clock, defaults } = deps;

  async function getCaps(userId: string, executor: DbOrTx = db): Promise<SpendingCaps> {
    const [row] = await executor.select().from(walletCaps).where(eq(walletCaps.userId, userId));
    if (!row) return { dailyCoins: defaults.dailyCoins, monthlyCoins: defaults.monthlyCoins, isDefault: true };
    return { dailyCoins: row.dailyCoins, monthlyCoins: row.monthlyCoins, isDefault: false };
  }

  async function setCaps(userId: string, caps: { dailyCoins: number | null; monthlyCoins: number | null }): Promise<SpendingCaps> {
    for (const value of [caps.dailyCoins, caps.monthlyCoins]) {
      if (value !== null && (!Number.isSafeInteger(value) || value < 0)) throw new AppError('VALIDATION_FAILED', 'A cap is a whole number of coins (0 or more), or null for none');
    }
    const now = clock.now();
    await db
      .insert(walletCaps)
      .values({ userId, dailyCoins: caps.dailyCoins, monthlyCoins: caps.monthlyCoins, updatedAt: now })
      .onConflictDoUpdate({ target: walletCaps.userId, set: { dailyCoins: caps.dailyCoins, monthlyCoins: caps.monthlyCoins, updatedAt: now } });
    return { ...caps, isDefault: false };
  }

  async function spentSince(executor: DbOrTx, userId: string, since: Date, until: Date): Promise<number> {
    const [row] = await executor
      .select({ total: sql<string | number>`coalesce(sum(${walletSpends.coins}), 0)` })
      .from(walletSpends)
      .where(and(eq(walletSpends.userId, userId), gte(walletSpends.createdAt, since), lte(walletSpends.createdAt, until)));
    return Number(row?.total ?? 0);
  }

  async function capUsage(userId: string, now: Date = clock.now(), executor: DbOrTx = db) {
    return {
      spentToday: await spentSince(executor, userId, startOfUtcDay(now), now),
      spentThisMonth: await spentSince(executor, userId, startOfUtcMonth(now), now),
    };
  }

  async function checkCaps(tx: Tx, userId: string, coins: number, now: Date): Promise<void> {
    const caps = await getCaps(userId, tx);
    if (caps.dailyCoins === null && caps.monthlyCoins === null) return;
    const { spentToday, spentThisMonth } = await capUsage(userId, now, tx);
    if (caps.dailyCoins !== null && spentToday + coins > caps.dailyCoins) {
      const left = Math.max(0, caps.dailyCoins - spentToday);
      throw new AppError('SPENDING_CAP_REACHED', `This costs ${coins} coins but your daily limit is ${caps.dailyCoins} coins and ${left} are left today (resets at 00:00 UTC).`, {
        period: 'day',
        cap: caps.dailyCoins,
        spent: spentToday,
        left,
        needed: coins,
      });
    }
    if (caps.monthlyCoins !== null && spentThisMonth + coins > caps.monthlyCoins) {
      const left = Math.max(0, caps.monthlyCoins - spentThisMonth);
      throw new AppError('SPENDING_CAP_REACHED', `This costs ${coins} coins but your monthly limit is ${caps.monthlyCoins} coins and ${left} are left this month.`, {
        period: 'month',
        cap: caps.monthlyCoins,
        spent: spentThisMonth,
        left,
        needed: coins,
      });
    }
  }

  return { getCaps, setCaps, capUsage, checkCaps };
}
