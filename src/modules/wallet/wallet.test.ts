import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import type { AppError} from '../../core/errors.ts';
import { isAppError } from '../../core/errors.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createLedgerService, type LedgerService } from '../ledger/service.ts';
import { createWalletService, type WalletService } from './service.ts';

let database: TestDatabase;
let ledger: LedgerService;
let wallet: WalletService;
const clock = fixedClock(new Date('2026-03-10T12:00:00Z'));
let userSeq = 0;
const newUser = () => `usr_wallet_${++userSeq}`;

beforeAll(async () => {
  database = await openTestDatabase();
  ledger = createLedgerService({ db: database.db });
  wallet = createWalletService({ db: database.db, ledger, clock, defaults: { dailyCoins: null, monthlyCoins: null } });
});
afterAll(async () => {
  expect((await ledger.verify()).ok).toBe(true);
  await database.drop();
});

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

const DAY = 24 * 3600_000;
const spendOf = (userId: string, coins: number, reference: string) => wallet.spend({ userId, coins, reference, studioId: 'org_studio', reason: 'episode unlock' });

describe('wallet', () => {
  it('spends bonus coins first, earliest expiry first, then paid coins', async () => {
    const user = newUser();
    await wallet.creditPaidCoins(undefined, { userId: user, coins: 100, reference: 'pay-1' });
    const now = clock.now().getTime();
    await wallet.grantBonus(undefined, { userId: user, coins: 20, expiresAt: new Date(now + 5 * DAY), source: 'promo', reference: 'late' });
    await wallet.grantBonus(undefined, { userId: user, coins: 15, expiresAt: new Date(now + 2 * DAY), source: 'promo', reference: 'early' });
    const first = await spendOf(user, 10, 'ep-1');
    expect(first).toMatchObject({ paidSpent: 0, bonusSpent: 10, balanceAfter: 125 });
    let balances = await wallet.balances(user);
    expect(balances.bonusLots.map((l) => l.remaining)).toEqual([5, 20]);
    const second = await spendOf(user, 40, 'ep-2');
    expect(second).toMatchObject({ paidSpent: 15, bonusSpent: 25, balanceAfter: 85 });
    balances = await wallet.balances(user);
    expect(balances).toMatchObject({ paid: 85, bonus: 0, total: 85, bonusLots: [] });

    const replay = await spendOf(user, 40, 'ep-2');
    expect(replay).toMatchObject({ entryId: second.entryId, replayed: true, paidSpent: 15, bonusSpent: 25 });
    expect((await wallet.balances(user)).total).toBe(85);
    expect((await failure(spendOf(user, 41, 'ep-2'))).code).toBe('IDEMPOTENCY_CONFLICT');

    const history = await wallet.history(user, null);
    expect(history.items.map((i) => [i.kind, i.amount, i.balanceAfter])).toEqual([
      ['coin_spend', -40, 85],
      ['coin_spend', -10, 125],
      ['bonus_grant', 15, 135],
      ['bonus_grant', 20, 120],
      ['coin_topup', 100, 100],
    ]);
    expect(history.items[0]?.description).toBe('Spent 40 coins on episode unlock');
  });

  it('pages the history with a cursor without splitting or repeating entries', async () => {
    const user = newUser();
    await wallet.creditPaidCoins(undefined, { userId: user, coins: 50, reference: 'p' });
    await wallet.grantBonus(undefined, { userId: user, coins: 50, expiresAt: new Date(clock.now().getTime() + DAY), source: 'promo', reference: 'b' });
    for (let i = 0; i < 5; i++) await spendOf(user, 15, `h-${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: Awaited<ReturnType<WalletService['history']>> = await wallet.history(user, cursor, 2);
      seen.push(...result.items.map((i) => i.entryId));
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
  });

  it('refuses a spend larger than the balance with the balance and the price', async () => {
    const user = newUser();
    await wallet.creditPaidCoins(undefined, { userId: user, coins: 30, reference: 'p' });
    const error = await failure(spendOf(user, 31, 'too-much'));
    expect(error.code).toBe('INSUFFICIENT_FUNDS');
    expect(error.extra).toMatchObject({ balance: 30, needed: 31 });
    expect((await wallet.balances(user)).paid).toBe(30);
  });

  it('expired bonus cannot be spent and is swept to bonus_expired', async () => {
    const user = newUser();
    const start = clock.now();
    await wallet.grantBonus(undefined, { userId: user, coins: 25, expiresAt: new Date(start.getTime() + DAY), source: 'promo', reference: 'soon' });
    await spendOf(user, 5, 'before-expiry');
    clock.advance(DAY + 1);
    try {
      expect((await wallet.balances(user)).bonus).toBe(0);
      expect((await failure(spendOf(user, 1, 'after-expiry'))).code).toBe('INSUFFICIENT_FUNDS');
      const swept = await wallet.expireBonus();
      expect(swept.coins).toBeGreaterThanOrEqual(20);
      expect((await wallet.expireBonus()).coins).toBe(0);
      const history = await wallet.history(user, null);
      expect(history.items[0]).toMatchObject({ kind: 'bonus_expiry', amount: -20, balanceAfter: 0 });
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      clock.set(start);
    }
  });

  it('check-in pays once per UTC day and counts the streak', async () => {
    const user = newUser();
    const start = clock.now();
    try {
      const first = await wallet.checkIn(user, clock.now());
      const again = await wallet.checkIn(user, new Date(clock.now().getTime() + 3600_000));
      expect(first).toMatchObject({ checkedIn: true, streak: 1, coins: 10 });
      expect(again).toMatchObject({ checkedIn: false, alreadyCheckedIn: true, coins: 0 });
      expect((await wallet.balances(user)).bonus).toBe(10);
      const racing = await Promise.all(Array.from({ length: 5 }, () => wallet.checkIn(user, new Date(start.getTime() + DAY))));
      expect(racing.filter((r) => r.checkedIn)).toHaveLength(1);
      expect(racing.find((r) => r.checkedIn)?.streak).toBe(2);
      clock.advance(DAY);
      expect(await wallet.checkInStatus(user)).toMatchObject({ checkedInToday: true, streak: 2 });
      expect((await wallet.balances(user)).bonus).toBe(20);
      for (let d = 2; d < 7; d++) await wallet.checkIn(user, new Date(start.getTime() + d * DAY));
      clock.set(new Date(start.getTime() + 6 * DAY));
      expect((await wallet.history(user, null)).items[0]).toMatchObject({ kind: 'bonus_grant', amount: 30 });
    } finally {
      clock.set(start);
    }
  });

  it('refunds only paid coins that are still unspent', async () => {
    const user = newUser();
    await wallet.creditPaidCoins(undefined, { userId: user, coins: 100, reference: 'p' });
    await wallet.grantBonus(undefined, { userId: user, coins: 50, expiresAt: new Date(clock.now().getTime() + DAY), source: 'promo', reference: 'b' });
    await spendOf(user, 80, 'spend');
    expect(await wallet.balances(user)).toMatchObject({ paid: 70, bonus: 0 });
    const error = await failure(wallet.refundUnusedPaidCoins({ userId: user, coins: 71, reference: 'r1' }));
    expect(error.code).toBe('INSUFFICIENT_FUNDS');
    const refund = await wallet.refundUnusedPaidCoins({ userId: user, coins: 70, reference: 'r2' });
    const replay = await wallet.refundUnusedPaidCoins({ userId: user, coins: 70, reference: 'r2' });
    expect(replay).toMatchObject({ entryId: refund.entryId, replayed: true });
    expect(await wallet.balances(user)).toMatchObject({ paid: 0, total: 0 });
  });

  it('a pack credits its coins as paid and its bonus as an expiring lot, once per reference', async () => {
    const user = newUser();
    await wallet.creditPack(undefined, { userId: user, packId: 'pack_500', reference: 'pay_1' });
    await wallet.creditPack(undefined, { userId: user, packId: 'pack_500', reference: 'pay_1' });
    expect(await wallet.balances(user)).toMatchObject({ paid: 500, bonus: 50, total: 550 });
  });
});
