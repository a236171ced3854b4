import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { isAppError } from '../../src/core/errors.ts';
import { createLedgerService, type LedgerService } from '../../src/modules/ledger/service.ts';
import { createWalletService, type WalletService } from '../../src/modules/wallet/service.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';

/**
 * Any sequence of top-ups, spends, refunds, bonus grants, check-ins and expiries keeps every entry
 * balanced, no wallet negative, each balance equal to the sum of its postings, and the wallet equal
 * to a plain model of it.
 */
type Op =
  | { type: 'topup'; user: number; coins: number }
  | { type: 'spend'; user: number; coins: number }
  | { type: 'refund'; user: number; coins: number }
  | { type: 'bonus'; user: number; coins: number; ttlHours: number }
  | { type: 'checkIn'; user: number }
  | { type: 'advance'; hours: number }
  | { type: 'expire' };

const user = fc.integer({ min: 0, max: 2 });
const coins = fc.integer({ min: 1, max: 300 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('topup' as const), user, coins }),
  fc.record({ type: fc.constant('spend' as const), user, coins }),
  fc.record({ type: fc.constant('refund' as const), user, coins }),
  fc.record({ type: fc.constant('bonus' as const), user, coins, ttlHours: fc.integer({ min: 1, max: 72 }) }),
  fc.record({ type: fc.constant('checkIn' as const), user }),
  fc.record({ type: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 48 }) }),
  fc.record({ type: fc.constant('expire' as const) }),
);

interface ModelLot {
  remaining: number;
  expiresAt: number;
}

let database: TestDatabase;
let ledger: LedgerService;
let wallet: WalletService;
const clock = fixedClock(new Date('2026-01-01T00:00:00Z'));

beforeAll(async () => {
  database = await openTestDatabase();
  ledger = createLedgerService({ db: database.db });
  wallet = createWalletService({ db: database.db, ledger, clock, defaults: { dailyCoins: null, monthlyCoins: null } });
});
afterAll(async () => {
  await database.drop();
});

describe('ledger property', () => {
  it('random wallet operations keep the ledger balanced and the wallets equal to a model', { timeout: 600_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        run += 1;
        await new Promise((resolve) => setTimeout(resolve, 0));
        const users = [0, 1, 2].map((i) => `usr_prop_${run}_${i}`);
        const paid = [0, 0, 0];
        const lots: ModelLot[][] = [[], [], []];
        const checkedIn = [new Set<string>(), new Set<string>(), new Set<string>()];
        const usable = (u: number) => (lots[u] ?? []).filter((l) => l.expiresAt > clock.now().getTime() && l.remaining > 0);
        let step = 0;
        for (const o of ops) {
          step += 1;
          const ref = `s${step}`;
          switch (o.type) {
            case 'topup':
              await wallet.creditPaidCoins(undefined, { userId: users[o.user] ?? '', coins: o.coins, reference: ref });
              paid[o.user] = (paid[o.user] ?? 0) + o.coins;
              break;
            case 'spend': {
              const lotsNow = usable(o.user).sort((a, b) => a.expiresAt - b.expiresAt);
              const available = (paid[o.user] ?? 0) + lotsNow.reduce((s, l) => s + l.remaining, 0);
              try {
                const result = await wallet.spend({ userId: users[o.user] ?? '', coins: o.coins, reference: ref, studioId: 'org_prop', reason: 'unlock' });
                expect(o.coins).toBeLessThanOrEqual(available);
                let left = o.coins;
                for (const lot of lotsNow) {
                  const take = Math.min(lot.remaining, left);
                  lot.remaining -= take;
                  left -= take;
                }
                paid[o.user] = (paid[o.user] ?? 0) - left;
                expect(result.paidSpent).toBe(left);
              } catch (error) {
                expect(isAppError(error) && error.code).toBe('INSUFFICIENT_FUNDS');
                expect(o.coins).toBeGreaterThan(available);
              }
              break;
            }
            case 'refund':
              try {
                await wallet.refundUnusedPaidCoins({ userId: users[o.user] ?? '', coins: o.coins, reference: ref });
                expect(o.coins).toBeLessThanOrEqual(paid[o.user] ?? 0);
                paid[o.user] = (paid[o.user] ?? 0) - o.coins;
              } catch (error) {
                expect(isAppError(error) && error.code).toBe('INSUFFICIENT_FUNDS');
                expect(o.coins).toBeGreaterThan(paid[o.user] ?? 0);
              }
              break;
            case 'bonus': {
              const expiresAt = clock.now().getTime() + o.ttlHours * 3600_000;
              await wallet.grantBonus(undefined, { userId: users[o.user] ?? '', coins: o.coins, expiresAt: new Date(expiresAt), source: 'promo', reference: ref });
              lots[o.user]?.push({ remaining: o.coins, expiresAt });
              break;
            }
            case 'checkIn': {
              const result = await wallet.checkIn(users[o.user] ?? '');
              const seen = checkedIn[o.user];
              expect(result.checkedIn).toBe(!seen?.has(result.day));
              seen?.add(result.day);
              if (result.checkedIn && result.expiresAt) lots[o.user]?.push({ remaining: result.coins, expiresAt: Date.parse(result.expiresAt) });
              break;
            }
            case 'advance':
              clock.advance(o.hours * 3600_000);
              break;
            case 'expire':
              await wallet.expireBonus();
              for (const userLots of lots) for (const lot of userLots) if (lot.expiresAt <= clock.now().getTime()) lot.remaining = 0;
              break;
            default: {
              const never: never = o;
              throw new Error(`unknown op ${JSON.stringify(never)}`);
            }
          }
        }
        const report = await ledger.verify();
        expect(report).toEqual({ ok: true, unbalancedEntries: [], mismatchedAccounts: [], negativeAccounts: [] });
        for (let u = 0; u < 3; u++) {
          const balances = await wallet.balances(users[u] ?? '');
          expect(balances.paid).toBe(paid[u]);
          expect(balances.bonus).toBe(usable(u).reduce((s, l) => s + l.remaining, 0));
        }
      }),
      { numRuns: 50 },
    );
  });
});
