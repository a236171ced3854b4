import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx, Tx } from '../../drivers/db/types.ts';
import type { Account, LedgerService } from '../ledger/service.ts';
import { createSpendingCaps, type WalletDefaults } from './caps.ts';
import { createWalletHistory } from './history.ts';
import {
  CHECK_IN_BONUS_TTL_MS,
  CHECK_IN_COINS,
  CHECK_IN_STREAK_BONUS,
  COIN_PACKS,
  PACK_BONUS_TTL_MS,
  findPack,
  startOfUtcDay,
  utcDay,
} from './packs.ts';
import { walletBonusLots, walletCheckIns, walletSpends } from './schema.ts';

export { COIN_PACKS, type CoinPack } from './packs.ts';
export type { SpendingCaps, WalletDefaults } from './caps.ts';
export type { WalletHistoryItem } from './history.ts';

export const COIN = 'COIN';

export interface WalletBalances {
  paid: number;
  /** Bonus coins that can still be spent (unexpired lots). */
  bonus: number;
  total: number;
  bonusLots: { remaining: number; expiresAt: string; source: string }[];
}


export interface SpendInput {
  userId: string;
  coins: number;
  /** The caller's idempotency key, unique per user (e.g. `unlock:<episodeId>`). */
  reference: string;
  studioId: string;
  reason: string;
  metadata?: Record<string, unknown>;
}

export interface SpendResult {
  entryId: string;
  replayed: boolean;
  paidSpent: number;
  bonusSpent: number;
  balanceAfter: number;
}

export interface CreditResult {
  entryId: string;
  replayed: boolean;
}

export interface CheckInResult {
  day: string;
  checkedIn: boolean;
  alreadyCheckedIn: boolean;
  streak: number;
  coins: number;
  expiresAt: string | null;
}


function assertCoins(coins: number, what: string): void {
  if (!Number.isSafeInteger(coins) || coins <= 0) throw new AppError('VALIDATION_FAILED', `${what} must be a positive whole number of coins`);
}

export type WalletService = ReturnType<typeof createWalletService>;

export function createWalletService(deps: { db: Db; ledger: LedgerService; clock: Clock; defaults: WalletDefaults }) {
  const { db, ledger, clock, defaults } = deps;

  const issuanceAccount = (tx: DbOrTx) => ledger.ensureAccount(tx, { ownerType: 'platform', ownerId: 'platform', purpose: 'coin_issuance', unit: COIN, allowNegative: true });
  const expiredAccount = (tx: DbOrTx) => ledger.ensureAccount(tx, { ownerType: 'platform', ownerId: 'platform', purpose: 'bonus_expired', unit: COIN });
  const revenueAccount = (tx: DbOrTx, studioId: string) => ledger.ensureAccount(tx, { ownerType: 'studio', ownerId: studioId, purpose: 'coin_revenue', unit: COIN });

  /** Locks the user's two wallet rows: every spend, refund and expiry of one user runs one at a time. */
  async function lockWallet(tx: Tx, userId: string): Promise<{ paid: Account; bonus: Account }> {
    const rows = await ledger.ensureAndLockOwnerAccounts(tx, { ownerType: 'user', ownerId: userId, unit: COIN, purposes: ['coins_paid', 'coins_bonus'] });
    const paid = rows.get('coins_paid');
    const bonus = rows.get('coins_bonus');
    if (!paid || !bonus) throw new AppError('INTERNAL', 'Wallet accounts vanished');
    return { paid, bonus };
  }

  async function usableLots(tx: DbOrTx, userId: string, now: Date) {
    return tx
      .select()
      .from(walletBonusLots)
      .where(and(eq(walletBonusLots.userId, userId), gt(walletBonusLots.remaining, 0), gt(walletBonusLots.expiresAt, now)))
      .orderBy(asc(walletBonusLots.expiresAt), asc(walletBonusLots.id));
  }

  async function balances(userId: string, executor: DbOrTx = db): Promise<WalletBalances> {
    const paid = await ledger.findAccount(executor, { ownerType: 'user', ownerId: userId, purpose: 'coins_paid', unit: COIN });
    const lots = await usableLots(executor, userId, clock.now());
    const bonus = lots.reduce((sum, lot) => sum + lot.remaining, 0);
    const paidBalance = paid?.balance ?? 0;
    return {
      paid: paidBalance,
      bonus,
      total: paidBalance + bonus,
      bonusLots: lots.map((lot) => ({ remaining: lot.remaining, expiresAt: lot.expiresAt.toISOString(), source: lot.source })),
    };
  }

  /** Paid coins bought through the payments driver; called when the payment has succeeded. */
  async function creditPaidCoins(executor: DbOrTx | undefined, input: { userId: string; coins: number; reference: string; metadata?: Record<string, unknown> }): Promise<CreditResult> {
    assertCoins(input.coins, 'Credited coins');
    return ledger.inTransaction(executor, async (tx) => {
      // User rows first, platform rows after, in every wallet operation: no lock-order deadlocks.
      const { paid } = await lockWallet(tx, input.userId);
      const issuance = await issuanceAccount(tx);
      const { entryId, replayed } = await ledger.post(tx, {
        reference: `wallet:credit:${input.userId}:${input.reference}`,
        kind: 'coin_topup',
        postings: [
          { accountId: issuance.id, amount: -input.coins },
          { accountId: paid.id, amount: input.coins },
        ],
        metadata: { ...input.metadata, userId: input.userId, coins: input.coins },
      });
      return { entryId, replayed };
    });
  }

  async function grantBonus(
    executor: DbOrTx | undefined,
    input: { userId: string; coins: number; expiresAt: Date; source: string; reference: string; metadata?: Record<string, unknown> },
  ): Promise<CreditResult> {
    assertCoins(input.coins, 'Bonus coins');
    return ledger.inTransaction(executor, async (tx) => {
      const { bonus } = await lockWallet(tx, input.userId);
      const issuance = await issuanceAccount(tx);
      const { entryId, replayed } = await ledger.post(tx, {
        reference: `wallet:bonus:${input.userId}:${input.reference}`,
        kind: 'bonus_grant',
        postings: [
          { accountId: issuance.id, amount: -input.coins },
          { accountId: bonus.id, amount: input.coins },
        ],
        metadata: { ...input.metadata, userId: input.userId, source: input.source, expiresAt: input.expiresAt.toISOString() },
      });
      if (!replayed) {
        await tx.insert(walletBonusLots).values({
          id: newId('lot'),
          userId: input.userId,
          amount: input.coins,
          remaining: input.coins,
          expiresAt: input.expiresAt,
          source: input.source,
          entryId,
        });
      }
      return { entryId, replayed };
    });
  }

  /** A paid pack: its coins as paid coins, its bonus as an expiring lot, in one transaction. */
  async function creditPack(executor: DbOrTx | undefined, input: { userId: string; packId: string; reference: string; metadata?: Record<string, unknown> }): Promise<CreditResult> {
    const pack = findPack(input.packId);
    if (!pack) throw new AppError('NOT_FOUND', `Coin pack ${input.packId} does not exist`);
    return ledger.inTransaction(executor, async (tx) => {
      const credited = await creditPaidCoins(tx, { userId: input.userId, coins: pack.coins, reference: input.reference, metadata: { ...input.metadata, packId: pack.id } });
      if (pack.bonus > 0) {
        const expiresAt = new Date(clock.now().getTime() + PACK_BONUS_TTL_MS);
        await grantBonus(tx, { userId: input.userId, coins: pack.bonus, expiresAt, source: `pack:${pack.id}`, reference: `pack:${input.reference}` });
      }
      return credited;
    });
  }

  /**
   * Takes back a pack that was never used: its paid coins must still be unspent and its bonus lot
   * untouched (else a viewer could spend the bonus and refund the rest). Both leave in one entry;
   * the money goes back through the payments flow.
   */
  async function refundPack(executor: DbOrTx | undefined, input: { userId: string; packId: string; reference: string }): Promise<CreditResult & { coins: number; bonus: number }> {
    const pack = findPack(input.packId);
    if (!pack) throw new AppError('NOT_FOUND', `Coin pack ${input.packId} does not exist`);
    const reference = `wallet:refund:${input.userId}:${input.reference}`;
    return ledger.inTransaction(executor, async (tx) => {
      const wallet = await lockWallet(tx, input.userId);
      const earlier = await ledger.entryByReference(reference, tx);
      if (earlier) return { entryId: earlier.id, replayed: true, coins: pack.coins, bonus: pack.bonus };
      if (pack.coins > wallet.paid.balance) {
        throw new AppError('INSUFFICIENT_FUNDS', `Only ${wallet.paid.balance} paid coins are unspent; this pack's ${pack.coins} cannot be refunded.`, { balance: wallet.paid.balance, needed: pack.coins });
      }
      let bonus = 0;
      if (pack.bonus > 0) {
        const grant = await ledger.entryByReference(`wallet:bonus:${input.userId}:pack:${input.reference}`, tx);
        const [lot] = grant ? await tx.select().from(walletBonusLots).where(eq(walletBonusLots.entryId, grant.id)).for('update') : [];
        if (!lot || lot.remaining !== lot.amount) throw new AppError('INVALID_STATE', "This pack's bonus coins were used, so it can no longer be refunded");
        await tx.update(walletBonusLots).set({ remaining: 0 }).where(eq(walletBonusLots.id, lot.id));
        bonus = lot.amount;
      }
      const issuance = await issuanceAccount(tx);
      const postings = [
        { accountId: wallet.paid.id, amount: -pack.coins },
        { accountId: issuance.id, amount: pack.coins + bonus },
      ];
      if (bonus > 0) postings.push({ accountId: wallet.bonus.id, amount: -bonus });
      const posted = await ledger.post(tx, { reference, kind: 'coin_refund', postings, metadata: { userId: input.userId, packId: pack.id, coins: pack.coins, bonus } });
      return { entryId: posted.entryId, replayed: posted.replayed, coins: pack.coins, bonus };
    });
  }

  /**
   * Holds the user's wallet lock until the caller's transaction ends, so a flow can decide what to
   * charge (what the user already owns) with no other spend of that user in between.
   */
  async function holdWalletLock(tx: Tx, userId: string): Promise<void> {
    await lockWallet(tx, userId);
  }

  const { getCaps, setCaps, capUsage, checkCaps } = createSpendingCaps({ db, clock, defaults });

  /** Spends bonus coins first (earliest expiry first), then paid coins, into the studio's coin revenue. */
  async function spend(input: SpendInput, executor?: DbOrTx): Promise<SpendResult> {
    assertCoins(input.coins, 'The price');
    const reference = `wallet:spend:${input.userId}:${input.reference}`;
    return ledger.inTransaction(executor, async (tx) => {
      const now = clock.now();
      const wallet = await lockWallet(tx, input.userId);
      const earlier = await ledger.entryByReference(reference, tx);
      if (earlier) {
        const [row] = await tx.select().from(walletSpends).where(eq(walletSpends.entryId, earlier.id));
        if (row && row.coins !== input.coins) {
          throw new AppError('IDEMPOTENCY_CONFLICT', `Reference ${input.reference} was already used for a spend of ${row.coins} coins`);
        }
        const after = await balances(input.userId, tx);
        return { entryId: earlier.id, replayed: true, paidSpent: row?.paidCoins ?? 0, bonusSpent: row?.bonusCoins ?? 0, balanceAfter: after.total };
      }
      await checkCaps(tx, input.userId, input.coins, now);
      const lots = await usableLots(tx, input.userId, now);
      const bonusAvailable = lots.reduce((sum, lot) => sum + lot.remaining, 0);
      const available = bonusAvailable + wallet.paid.balance;
      if (input.coins > available) {
        throw new AppError('INSUFFICIENT_FUNDS', `This costs ${input.coins} coins and your balance is ${available}.`, { balance: available, needed: input.coins });
      }
      let bonusSpent = 0;
      for (const lot of lots) {
        if (bonusSpent === input.coins) break;
        const take = Math.min(lot.remaining, input.coins - bonusSpent);
        await tx.update(walletBonusLots).set({ remaining: sql`${walletBonusLots.remaining} - ${take}` }).where(eq(walletBonusLots.id, lot.id));
        bonusSpent += take;
      }
      const paidSpent = input.coins - bonusSpent;
      const revenue = await revenueAccount(tx, input.studioId);
      const legs = [{ accountId: revenue.id, amount: input.coins }];
      if (bonusSpent > 0) legs.push({ accountId: wallet.bonus.id, amount: -bonusSpent });
      if (paidSpent > 0) legs.push({ accountId: wallet.paid.id, amount: -paidSpent });
      const { entryId } = await ledger.post(tx, {
        reference,
        kind: 'coin_spend',
        postings: legs,
        metadata: { ...input.metadata, userId: input.userId, studioId: input.studioId, reason: input.reason, paidSpent, bonusSpent },
      });
      await tx.insert(walletSpends).values({
        id: newId('spend'),
        userId: input.userId,
        coins: input.coins,
        paidCoins: paidSpent,
        bonusCoins: bonusSpent,
        studioId: input.studioId,
        reason: input.reason,
        entryId,
        createdAt: now,
      });
      return { entryId, replayed: false, paidSpent, bonusSpent, balanceAfter: available - input.coins };
    });
  }

  /** Gives back paid coins that were never spent (the money side is the payments flow's job). */
  async function refundUnusedPaidCoins(input: { userId: string; coins: number; reference: string; metadata?: Record<string, unknown> }, executor?: DbOrTx): Promise<CreditResult> {
    assertCoins(input.coins, 'Refunded coins');
    const reference = `wallet:refund:${input.userId}:${input.reference}`;
    return ledger.inTransaction(executor, async (tx) => {
      const wallet = await lockWallet(tx, input.userId);
      const earlier = await ledger.entryByReference(reference, tx);
      if (earlier) return { entryId: earlier.id, replayed: true };
      if (input.coins > wallet.paid.balance) {
        throw new AppError('INSUFFICIENT_FUNDS', `Only ${wallet.paid.balance} paid coins are unspent; ${input.coins} cannot be refunded.`, { balance: wallet.paid.balance, needed: input.coins });
      }
      const issuance = await issuanceAccount(tx);
      return ledger.post(tx, {
        reference,
        kind: 'coin_refund',
        postings: [
          { accountId: wallet.paid.id, amount: -input.coins },
          { accountId: issuance.id, amount: input.coins },
        ],
        metadata: { ...input.metadata, userId: input.userId, coins: input.coins },
      }).then(({ entryId, replayed }) => ({ entryId, replayed }));
    });
  }

  /** Sweeps the remainders of lots expired at `now` into bonus_expired; safe to run from several workers. */
  async function expireBonus(now: Date = clock.now()): Promise<{ lots: number; coins: number }> {
    const due = await db
      .select({ id: walletBonusLots.id, userId: walletBonusLots.userId })
      .from(walletBonusLots)
      .where(and(gt(walletBonusLots.remaining, 0), lte(walletBonusLots.expiresAt, now)))
      .orderBy(asc(walletBonusLots.expiresAt))
      .limit(1000);
    let lots = 0;
    let coins = 0;
    for (const { id, userId } of due) {
      const expired = await db.transaction(async (tx) => {
        const wallet = await lockWallet(tx, userId);
        const [lot] = await tx.select().from(walletBonusLots).where(eq(walletBonusLots.id, id)).for('update');
        if (!lot || lot.remaining === 0) return 0;
        await tx.update(walletBonusLots).set({ remaining: 0 }).where(eq(walletBonusLots.id, id));
        const sink = await expiredAccount(tx);
        await ledger.post(tx, {
          reference: `wallet:expire:${id}`,
          kind: 'bonus_expiry',
          postings: [
            { accountId: wallet.bonus.id, amount: -lot.remaining },
            { accountId: sink.id, amount: lot.remaining },
          ],
          metadata: { userId, lotId: id, source: lot.source },
        });
        return lot.remaining;
      });
      if (expired > 0) {
        lots += 1;
        coins += expired;
      }
    }
    return { lots, coins };
  }

  /** The day's check-in reward, once per UTC day; every 7th day in a row adds a streak bonus. */
  async function checkIn(userId: string, now: Date = clock.now()): Promise<CheckInResult> {
    const day = utcDay(now);
    const yesterday = utcDay(new Date(startOfUtcDay(now).getTime() - 24 * 3600_000));
    return db.transaction(async (tx) => {
      const [previous] = await tx.select().from(walletCheckIns).where(and(eq(walletCheckIns.userId, userId), eq(walletCheckIns.day, yesterday)));
      const streak = (previous?.streak ?? 0) + 1;
      const coins = CHECK_IN_COINS + (streak % 7 === 0 ? CHECK_IN_STREAK_BONUS : 0);
      const inserted = await tx.insert(walletCheckIns).values({ userId, day, streak, coins, createdAt: now }).onConflictDoNothing().returning({ day: walletCheckIns.day });
      if (inserted.length === 0) {
        const [today] = await tx.select().from(walletCheckIns).where(and(eq(walletCheckIns.userId, userId), eq(walletCheckIns.day, day)));
        return { day, checkedIn: false, alreadyCheckedIn: true, streak: today?.streak ?? 0, coins: 0, expiresAt: null };
      }
      const expiresAt = new Date(now.getTime() + CHECK_IN_BONUS_TTL_MS);
      await grantBonus(tx, { userId, coins, expiresAt, source: 'check_in', reference: `check-in:${day}`, metadata: { streak } });
      return { day, checkedIn: true, alreadyCheckedIn: false, streak, coins, expiresAt: expiresAt.toISOString() };
    });
  }

  async function checkInStatus(userId: string, now: Date = clock.now()): Promise<{ checkedInToday: boolean; streak: number; nextReward: number }> {
    const day = utcDay(now);
    const yesterday = utcDay(new Date(startOfUtcDay(now).getTime() - 24 * 3600_000));
    const rows = await db.select().from(walletCheckIns).where(and(eq(walletCheckIns.userId, userId), gte(walletCheckIns.day, yesterday)));
    const today = rows.find((r) => r.day === day);
    const before = rows.find((r) => r.day === yesterday);
    const nextStreak = today ? today.streak + 1 : (before?.streak ?? 0) + 1;
    return { checkedInToday: Boolean(today), streak: today?.streak ?? before?.streak ?? 0, nextReward: CHECK_IN_COINS + (nextStreak % 7 === 0 ? CHECK_IN_STREAK_BONUS : 0) };
  }

  const walletHistory = createWalletHistory({ db, ledger });

  return {
    packs: COIN_PACKS,
    balances,
    creditPaidCoins,
    creditPack,
    grantBonus,
    spend,
    holdWalletLock,
    refundUnusedPaidCoins,
    refundPack,
    expireBonus,
    checkIn,
    checkInStatus,
    getCaps,
    setCaps,
    capUsage,
    history: walletHistory.history,
  };
}
