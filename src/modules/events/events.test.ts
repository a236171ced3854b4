import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { testPostgresUrl } from '../../../test/support/db.ts';
import { publishedSeries } from '../../../test/paywall/support.ts';
import { deviceIdOf, place, placeableProduct, signedUp } from '../../../test/placements/support.ts';
import { fixedClock } from '../../core/clock.ts';
import { touches } from './schema.ts';
import type { TouchQuery } from './service.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const DAY = 86_400_000;
const clock = fixedClock(new Date('2026-03-01T12:00:00.000Z'));

let t: TestPlatform;
let seriesId = '';
let freeEpisode = '';
let lockedEpisode = '';
let productId = '';
let placementId = '';
let lockedPlacementId = '';

interface Beacon {
  id: string;
  type: 'card_impression' | 'card_click';
  placementId: string;
  atMs: number;
}
interface BatchAnswer {
  accepted: number;
  duplicates: number;
  rejected: { id: string; code: string }[];
}

const beacon = (type: Beacon['type'], placement = placementId, atMs = 1500): Beacon => ({ id: randomUUID(), type, placementId: placement, atMs });
const send = async (client: TestClient, events: unknown[]) => client.post('/api/v1/events', { events });
async function sendOk(client: TestClient, events: Beacon[]): Promise<BatchAnswer> {
  const response = await send(client, events);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<BatchAnswer>();
}
const touchesOf = (viewerKey: string) => t.platform.drivers.database.db.select().from(touches).where(eq(touches.viewerKey, viewerKey));
const lastTouch = (query: Omit<TouchQuery, 'productId'> & { productId?: string }) => t.platform.modules.events.service.lastTouch({ productId, ...query });

beforeAll(async () => {
  t = await startTestPlatform({}, { clock });
  const [merchant, producer] = await Promise.all([signedUp(t, 'merchant'), signedUp(t, 'creator')]);
  const series = await publishedSeries(t, producer, { prices: [0, 50] });
  seriesId = series.seriesId;
  [freeEpisode = '', lockedEpisode = ''] = series.episodeIds;
  productId = await placeableProduct(merchant, producer);
  placementId = await place(producer, freeEpisode, { productId, startMs: 1000, endMs: 3000 });
  lockedPlacementId = await place(producer, lockedEpisode, { productId, startMs: 1000, endMs: 3000 });
});
afterAll(async () => t.close());

describe(`card beacons (${label})`, () => {
  it('are stamped by the server (viewer, time, episode, series, product) and a retried batch counts once', async () => {
    const viewer = new TestClient(t.app);
    const batch = [beacon('card_impression'), beacon('card_click', placementId, 2100)];
    expect(await sendOk(viewer, batch)).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const deviceId = deviceIdOf(viewer);
    clock.advance(5_000);
    expect(await sendOk(viewer, batch)).toEqual({ accepted: 0, duplicates: 2, rejected: [] });
    const rows = await touchesOf(deviceId);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ userId: null, placementId, episodeId: freeEpisode, seriesId, productId });
      // The first write's time stands: the retry five seconds later changed nothing.
      expect(row.touchedAt.getTime()).toBe(clock.now().getTime() - 5_000);
    }
    expect(rows.find((r) => r.type === 'card_click')?.atMs).toBe(2100);

    // The same client id from another viewer is that viewer's own event.
    const other = new TestClient(t.app);
    expect(await sendOk(other, [batch[0] as Beacon])).toMatchObject({ accepted: 1 });
    // Repeats inside one batch count once too.
    const twice = beacon('card_click');
    expect(await sendOk(viewer, [twice, twice, twice])).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
  });

  it('reject unknown placements and placements of episodes the viewer may not watch, one by one; the rest are written', async () => {
    const viewer = await signedUp(t, 'viewer');
    const good = beacon('card_click');
    const unknown = beacon('card_click', 'plc_does_not_exist');
    const locked = beacon('card_impression', lockedPlacementId);
    expect(await sendOk(viewer, [unknown, good, locked])).toEqual({
      accepted: 1,
      duplicates: 0,
      rejected: [
        { id: unknown.id, code: 'NOT_FOUND' },
        { id: locked.id, code: 'ENTITLEMENT_REQUIRED' },
      ],
    });
    const rows = await touchesOf(viewer.userId ?? '');
    expect(rows.map((r) => [r.clientId, r.userId])).toEqual([[good.id, viewer.userId]]);
  });

  it('refuse what the client may not say: viewer or time fields, non-uuid ids, more than 100 events, an empty batch', async () => {
    const viewer = new TestClient(t.app);
    const forged = await send(viewer, [{ ...beacon('card_click'), userId: 'usr_someone', touchedAt: '2020-01-01T00:00:00Z' }]);
    expect(forged.statusCode).toBe(400);
    expect(forged.headers['content-type']).toContain('application/problem+json');
    expect((await send(viewer, [{ ...beacon('card_click'), id: 'not-a-uuid' }])).statusCode).toBe(400);
    expect((await send(viewer, Array.from({ length: 101 }, () => beacon('card_impression')))).statusCode).toBe(400);
    expect((await send(viewer, [])).statusCode).toBe(400);
    expect(await sendOk(viewer, Array.from({ length: 100 }, () => beacon('card_impression')))).toMatchObject({ accepted: 100 });
    expect(await touchesOf(deviceIdOf(viewer))).toHaveLength(100);
  });

  it('sent concurrently many times over (a flaky network retrying) are each recorded exactly once', async () => {
    const viewer = await signedUp(t, 'viewer');
    const batch = Array.from({ length: 50 }, (_, i) => beacon(i % 3 === 0 ? 'card_click' : 'card_impression', placementId, i * 10));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => sendOk(viewer, i % 2 === 0 ? batch : [...batch].reverse())));
    expect(answers.reduce((sum, a) => sum + a.accepted, 0)).toBe(50);
    expect(answers.reduce((sum, a) => sum + a.duplicates, 0)).toBe(19 * 50);
    const rows = await touchesOf(viewer.userId ?? '');
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.clientId))).toEqual(new Set(batch.map((b) => b.id)));
  });
});

describe(`last-touch attribution (${label})`, () => {
  it('uses the configured windows (7 days after a click, 1 day after an impression by default)', () => {
    expect(t.platform.modules.events.service.windows).toEqual({ clickMs: 7 * DAY, impressionMs: DAY });
  });

  it('counts a click up to exactly 7 days later and an impression up to exactly 1 day later, not 1 ms more, and nothing before the touch', async () => {
    const viewer = new TestClient(t.app);
    const clickAt = clock.now().getTime();
    await sendOk(viewer, [beacon('card_click', placementId, 1200)]);
    const keys = { userId: null, viewerKeys: [deviceIdOf(viewer)] };
    expect(await lastTouch({ ...keys, at: new Date(clickAt - 1) })).toBeNull();
    expect(await lastTouch({ ...keys, at: new Date(clickAt) })).toMatchObject({ type: 'card_click', placementId, episodeId: freeEpisode, seriesId, atMs: 1200 });
    expect((await lastTouch({ ...keys, at: new Date(clickAt + 7 * DAY) }))?.touchedAt.getTime()).toBe(clickAt);
    expect(await lastTouch({ ...keys, at: new Date(clickAt + 7 * DAY + 1) })).toBeNull();

    const impressionViewer = new TestClient(t.app);
    const seenAt = clock.now().getTime();
    await sendOk(impressionViewer, [beacon('card_impression')]);
    const seen = { userId: null, viewerKeys: [deviceIdOf(impressionViewer)] };
    expect(await lastTouch({ ...seen, at: new Date(seenAt + DAY) })).toMatchObject({ type: 'card_impression' });
    expect(await lastTouch({ ...seen, at: new Date(seenAt + DAY + 1) })).toBeNull();
    // Explicit windows override the configured ones.
    expect(await lastTouch({ ...seen, at: new Date(seenAt + DAY + 1), windows: { clickMs: 0, impressionMs: DAY + 1 } })).not.toBeNull();
    // Another product, or another viewer, never matches.
    expect(await lastTouch({ ...seen, productId: 'prd_other', at: new Date(seenAt) })).toBeNull();
    expect(await lastTouch({ userId: null, viewerKeys: [deviceIdOf(viewer)], at: new Date(seenAt + 8 * DAY) })).toBeNull();
  });

  it('the latest touch wins; a signed-in buyer is matched by user id from any device and by the device they browsed on before signing in', async () => {
    const buyer = await signedUp(t, 'viewer');
    const userId = buyer.userId ?? '';
    const anonymousPhone = new TestClient(t.app);
    await sendOk(anonymousPhone, [beacon('card_click', placementId, 1000)]);
    const phone = deviceIdOf(anonymousPhone);
    clock.advance(60_000);
    await sendOk(buyer, [beacon('card_impression', placementId, 2000)]);
    const now = clock.now();
    expect(await lastTouch({ userId, viewerKeys: [], at: now })).toMatchObject({ type: 'card_impression', atMs: 2000 });
    // Two days on, the impression has expired but the click on the phone (before signing in) still counts.
    const later = new Date(now.getTime() + 2 * DAY);
    expect(await lastTouch({ userId, viewerKeys: [], at: later })).toBeNull();
    expect(await lastTouch({ userId, viewerKeys: [phone], at: later })).toMatchObject({ type: 'card_click', atMs: 1000 });
    expect(await lastTouch({ userId: null, viewerKeys: [], at: later })).toBeNull();
  });
});
