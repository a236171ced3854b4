import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { isAppError } from '../../src/core/errors.ts';
import { createLedgerService, type LedgerService } from '../../src/modules/ledger/service.ts';
import { createWalletService, type WalletService } from '../../src/modules/wallet/service.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

/**
 * COIN: a wallet holding 100 coins gets 30 concurrent unlocks of 100-coin episodes, 100 rounds.
 * On PostgreSQL the pool has 10 connections, so the spends really race.
 */
const ROUNDS = 100;
const RACERS = 30;
const PRICE = 100;

let database: TestDatabase;
let ledger: LedgerService;
let wallet: WalletService;

beforeAll(async () => {
  database = await openTestDatabase();
  ledger = createLedgerService({ db: database.db });
  wallet = createWalletService({ db: database.db, ledger, clock: systemClock, defaults: { dailyCoins: null, monthlyCoins: null } });
});
afterAll(async () => {
  await database.drop();
});

describe('COIN: concurrent unlocks against one wallet', () => {
  it(`exactly one of ${RACERS} concurrent ${PRICE}-coin spends succeeds per round, ${ROUNDS} rounds`, { timeout: 900_000 }, async () => {
    const user = 'usr_coin_race';
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // PGlite runs in microtasks; a macrotask turn lets Vitest's worker RPC through.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await wallet.creditPaidCoins(undefined, { userId: user, coins: PRICE, reference: `topup-${round}` });
      const results = await Promise.allSettled(
        Array.from({ length: RACERS }, (_, i) => wallet.spend({ userId: user, coins: PRICE, reference: `r${round}-ep${i}`, studioId: 'org_coin', reason: `episode ${i}` })),
      );
      const succeeded = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.filter((r) => r.status === 'rejected' && isAppError(r.reason) && r.reason.code === 'INSUFFICIENT_FUNDS').length;
      const balances = await wallet.balances(user);
      const report = await ledger.verify();
      if (succeeded !== 1 || refused !== RACERS - 1 || balances.total !== 0 || !report.ok) {
        const other = results.find((r) => r.status === 'rejected' && !(isAppError(r.reason) && r.reason.code === 'INSUFFICIENT_FUNDS'));
        failures.push(`round ${round}: ${succeeded} ok, ${refused} refused, balance ${balances.total}, ledger ok ${report.ok}, other error ${other?.status === 'rejected' ? String(other.reason) : 'none'}`);
      }
    }
    expect(failures).toEqual([]);
    const revenue = await ledger.findAccount(database.db, { ownerType: 'studio', ownerId: 'org_coin', purpose: 'coin_revenue', unit: 'COIN' });
    expect(revenue?.balance).toBe(ROUNDS * PRICE);
    expect((await wallet.history(user, null, 2 * ROUNDS)).items.filter((i) => i.kind === 'coin_spend')).toHaveLength(ROUNDS);
  });
});
