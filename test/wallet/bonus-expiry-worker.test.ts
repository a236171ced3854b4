import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWorkers } from '../../src/app.ts';
import { fixedClock } from '../../src/core/clock.ts';
import { createDbQueue } from '../../src/drivers/queue/db-queue.ts';
import type { Queue } from '../../src/drivers/queue/port.ts';
import { jobs } from '../../src/drivers/queue/schema.ts';
import { ledgerAccounts } from '../../src/modules/ledger/schema.ts';
import { BONUS_EXPIRY_QUEUE, createBonusExpiryJob } from '../../src/modules/wallet/expiry-job.ts';
import { walletBonusLots } from '../../src/modules/wallet/schema.ts';
import { until } from '../support/async.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const INTERVAL_MS = 200;
const HOUR = 3600_000;
const clock = fixedClock(new Date());

let t: TestPlatform;
let secondWorker: Queue;

beforeAll(async () => {
  t = await startTestPlatform({ WALLET_EXPIRY_INTERVAL_MS: String(INTERVAL_MS) }, { clock });
  registerWorkers(t.platform);
  t.platform.drivers.queue.start();
  // A second worker process on the same database: the sweep must not run twice per slot because of it.
  secondWorker = createDbQueue(t.platform.drivers.database.db, { pollIntervalMs: 50, workerId: 'second-worker' });
  await createBonusExpiryJob({ wallet: t.platform.modules.wallet.service, clock, intervalMs: INTERVAL_MS }).register(secondWorker);
  secondWorker.start();
});
afterAll(async () => {
  await secondWorker.stop(2_000);
  await t.platform.drivers.queue.stop(2_000);
  await t.close();
});

const expiryJobs = () => t.platform.drivers.database.db.select().from(jobs).where(eq(jobs.queue, BONUS_EXPIRY_QUEUE));

async function accountBalance(ownerId: string, purpose: string): Promise<number> {
  const [row] = await t.platform.drivers.database.db
    .select({ balance: ledgerAccounts.balance })
    .from(ledgerAccounts)
    .where(and(eq(ledgerAccounts.ownerId, ownerId), eq(ledgerAccounts.purpose, purpose)));
  return row?.balance ?? 0;
}

describe(`bonus coins expire on their own (${label})`, () => {
  it('the running worker writes off an expired lot, keeps paid coins and a balanced ledger, once per slot', async () => {
    const { wallet, ledger } = t.platform.modules;
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    await wallet.service.creditPaidCoins(undefined, { userId, coins: 100, reference: 'paid-seed' });
    await wallet.service.grantBonus(undefined, { userId, coins: 40, expiresAt: new Date(clock.now().getTime() + HOUR), source: 'test', reference: 'soon' });
    await wallet.service.grantBonus(undefined, { userId, coins: 25, expiresAt: new Date(clock.now().getTime() + 48 * HOUR), source: 'test', reference: 'later' });
    const sinkBefore = await accountBalance('platform', 'bonus_expired');

    // Several sweeps run while nothing is due yet: nothing may be written off early.
    await until('a few sweeps to finish', async () => (await expiryJobs()).filter((j) => j.status === 'done').length >= 3, 20_000);
    expect(await wallet.service.balances(userId)).toMatchObject({ paid: 100, bonus: 65, total: 165 });

    clock.advance(2 * HOUR);
    // Only the worker acts from here on: the test just waits and looks.
    await until('the expired lot to be written off', async () => (await accountBalance(userId, 'coins_bonus')) === 25, 20_000);

    const lots = await t.platform.drivers.database.db.select().from(walletBonusLots).where(eq(walletBonusLots.userId, userId));
    expect(lots.map((l) => [l.amount, l.remaining]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))).toEqual([
      [25, 25],
      [40, 0],
    ]);
    expect(await wallet.service.balances(userId)).toMatchObject({ paid: 100, bonus: 25, total: 125 });
    expect(await accountBalance('platform', 'bonus_expired')).toBe(sinkBefore + 40);
    const wire = (await viewer.get('/api/v1/wallet')).json<{ balances: { paid: number; bonus: number } }>().balances;
    expect(wire).toMatchObject({ paid: 100, bonus: 25 });
    const history = (await viewer.get('/api/v1/wallet/history')).json<{ items: { kind: string; amount: number }[] }>();
    expect(history.items.filter((i) => i.kind === 'bonus_expiry').map((i) => i.amount)).toEqual([-40]);

    // Written off once, though two workers sweep and every slot keeps running.
    await sleep(5 * INTERVAL_MS);
    expect(await accountBalance('platform', 'bonus_expired')).toBe(sinkBefore + 40);
    expect((await ledger.service.verify()).ok).toBe(true);

    // One job per slot: with two workers and no dedupe key, each would run its own chain.
    const all = await expiryJobs();
    const keys = all.map((j) => j.dedupeKey);
    expect(new Set(keys).size).toBe(all.length);
    expect(keys.every((k) => k?.startsWith(`${BONUS_EXPIRY_QUEUE}:`))).toBe(true);
    const finished = all.filter((j) => j.status === 'done' || j.status === 'running');
    // Slots are one interval apart in wall time, whichever worker runs them; allow the slot the clock jumped to.
    const elapsedSlots = Math.ceil((Date.now() - Math.min(...all.map((j) => j.createdAt.getTime()))) / INTERVAL_MS);
    expect(finished.length).toBeLessThanOrEqual(elapsedSlots + 3);
    expect(all.filter((j) => j.status === 'dead')).toHaveLength(0);
    // The chain goes on: one next sweep waits (or has just been claimed and is enqueueing its own next).
    const pending = all.filter((j) => j.status === 'queued' || j.status === 'running');
    expect(pending.length).toBeGreaterThanOrEqual(1);
    expect(all.filter((j) => j.status === 'queued').length).toBeLessThanOrEqual(1);
  });
});
