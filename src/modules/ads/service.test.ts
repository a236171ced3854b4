import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createAdsService, utcDay, type AdsService } from './service.ts';

const label = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ? 'postgres' : 'pglite';
const CAP = 3;
let database: TestDatabase;
let ads: AdsService;
// 23:30 UTC: half an hour later is another day for the cap.
const clock = fixedClock(new Date('2026-05-10T23:30:00Z'));
let seq = 0;
const user = () => `usr_ads_${++seq}`;

beforeAll(async () => {
  database = await openTestDatabase();
  ads = createAdsService({ db: database.db, clock, dailyCap: CAP });
});
afterAll(async () => database.drop());

describe(`the ads daily cap (${label})`, () => {
  it('counts slots per UTC day, refuses at the cap, gives a released slot back', async () => {
    const userId = user();
    expect(ads.dailyCap).toBe(CAP);
    expect(await ads.remainingToday(userId)).toBe(CAP);
    const taken: boolean[] = [];
    for (let i = 0; i < CAP + 2; i++) taken.push(await database.db.transaction((tx) => ads.takeDailySlot(tx, userId)));
    expect(taken).toEqual([true, true, true, false, false]);
    expect(await ads.remainingToday(userId)).toBe(0);
    await database.db.transaction((tx) => ads.releaseDailySlot(tx, userId));
    expect(await ads.remainingToday(userId)).toBe(1);
    expect(await ads.remainingToday(user())).toBe(CAP);

    const today = utcDay(clock.now());
    clock.advance(31 * 60_000);
    expect(utcDay(clock.now())).not.toBe(today);
    expect(await ads.remainingToday(userId)).toBe(CAP);
  });

  it('a slot taken in a rolled-back transaction is not spent', async () => {
    const userId = user();
    await expect(
      database.db.transaction(async (tx) => {
        expect(await ads.takeDailySlot(tx, userId)).toBe(true);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await ads.remainingToday(userId)).toBe(CAP);
  });

  it('concurrent transactions never take more than the cap', async () => {
    const userId = user();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        database.db.transaction(async (tx) => {
          const ok = await ads.takeDailySlot(tx, userId);
          // Hold the row a moment so the others really queue behind this transaction.
          await tx.execute('select pg_sleep(0.02)');
          return ok;
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(CAP);
    expect(await ads.grantedToday(userId)).toBe(CAP);
  });

  it('an ad unlock is visible to its viewer only', async () => {
    const owner = user();
    const row = await ads.create({ userId: owner, episodeId: 'ep_x', seriesId: 'ser_x', network: 'sandbox' });
    expect(row.id.startsWith('adu_')).toBe(true);
    expect(await ads.viewFor(owner, row.id)).toEqual({ id: row.id, episodeId: 'ep_x', status: 'watching', reason: null });
    await expect(ads.viewFor(user(), row.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
