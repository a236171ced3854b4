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
let withDefaults: WalletService;
const clock = fixedClock(new Date('2026-03-31T23:00:00Z'));
let userSeq = 0;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  database = await openTestDatabase();
  ledger = createLedgerService({ db: database.db });
  wallet = createWalletService({ db: database.db, ledger, clock, defaults: { dailyCoins: null, monthlyCoins: null } });
  withDefaults = createWalletService({ db: database.db, ledger, clock, defaults: { dailyCoins: 50, monthlyCoins: 500 } });
});
afterAll(async () => {
  expect((await ledger.verify()).ok).toBe(true);
  await database.drop();
});

async function richUser(): Promise<string> {
  const user = `usr_caps_${++userSeq}`;
  await wallet.creditPaidCoins(undefined, { userId: user, coins: 10_000, reference: 'seed' });
  return user;
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

const spendOf = (service: WalletService, userId: string, coins: number, reference: string) =>
  service.spend({ userId, coins, reference, studioId: 'org_studio', reason: 'episode unlock' });

describe('spending caps', () => {
  it('allows spending up to the daily cap exactly, refuses one coin more with a clear message, and resets at UTC midnight', async () => {
    const start = clock.now();
    const user = await richUser();
    await wallet.setCaps(user, { dailyCoins: 100, monthlyCoins: null });
    try {
      await spendOf(wallet, user, 60, 'a');
      await spendOf(wallet, user, 40, 'b');
      const error = await failure(spendOf(wallet, user, 1, 'c'));
      expect(error.code).toBe('SPENDING_CAP_REACHED');
      expect(error.status).toBe(403);
      expect(error.detail).toMatch(/daily limit is 100 coins and 0 are left today/);
      expect(error.extra).toMatchObject({ period: 'day', cap: 100, left: 0, needed: 1 });
      expect((await wallet.balances(user)).paid).toBe(9_900);
      clock.advance(3600_000); // 00:00 UTC of the next day (and month)
      await spendOf(wallet, user, 100, 'd');
      expect(await wallet.capUsage(user)).toEqual({ spentToday: 100, spentThisMonth: 100 });
    } finally {
      clock.set(start);
    }
  });

  it('reports what is left today when a spend would cross the cap', async () => {
    const user = await richUser();
    await wallet.setCaps(user, { dailyCoins: 100, monthlyCoins: null });
    await spendOf(wallet, user, 70, 'a');
    const error = await failure(spendOf(wallet, user, 50, 'b'));
    expect(error.detail).toMatch(/30 are left today/);
  });

  it('enforces the monthly cap across days and resets it with the month', async () => {
    const start = new Date('2026-04-01T10:00:00Z');
    clock.set(start);
    const user = await richUser();
    await wallet.setCaps(user, { dailyCoins: null, monthlyCoins: 150 });
    try {
      await spendOf(wallet, user, 100, 'd1');
      clock.advance(DAY);
      await spendOf(wallet, user, 50, 'd2');
      clock.advance(DAY);
      const error = await failure(spendOf(wallet, user, 1, 'd3'));
      expect(error.code).toBe('SPENDING_CAP_REACHED');
      expect(error.extra).toMatchObject({ period: 'month', cap: 150, left: 0 });
      clock.set(new Date('2026-05-01T00:00:00Z'));
      await spendOf(wallet, user, 150, 'may');
    } finally {
      clock.set(new Date('2026-03-31T23:00:00Z'));
    }
  });

  it('applies the operator default to users who set no caps, and a user’s own null lifts it', async () => {
    const user = await richUser();
    expect(await withDefaults.getCaps(user)).toEqual({ dailyCoins: 50, monthlyCoins: 500, isDefault: true });
    await spendOf(withDefaults, user, 50, 'a');
    expect((await failure(spendOf(withDefaults, user, 1, 'b'))).code).toBe('SPENDING_CAP_REACHED');
    await withDefaults.setCaps(user, { dailyCoins: null, monthlyCoins: null });
    expect(await withDefaults.getCaps(user)).toEqual({ dailyCoins: null, monthlyCoins: null, isDefault: false });
    await spendOf(withDefaults, user, 1, 'c');
  });

  it('a cap of 0 blocks every spend', async () => {
    const user = await richUser();
    await wallet.setCaps(user, { dailyCoins: 0, monthlyCoins: null });
    expect((await failure(spendOf(wallet, user, 1, 'a'))).code).toBe('SPENDING_CAP_REACHED');
  });

  it('concurrent spends cannot jointly exceed the daily cap', async () => {
    const user = await richUser();
    await wallet.setCaps(user, { dailyCoins: 100, monthlyCoins: null });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => spendOf(wallet, user, 20, `race-${i}`)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' && isAppError(r.reason) ? [r.reason.code] : []));
    expect(ok).toHaveLength(5);
    expect(refused).toEqual(Array.from({ length: 7 }, () => 'SPENDING_CAP_REACHED'));
    expect((await wallet.capUsage(user)).spentToday).toBe(100);
  });
});
