import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { TestClient } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { publishedSeries } from '../paywall/support.ts';
import { place, placeableProduct } from '../placements/support.ts';
import { checkout, pressHostedPage, startLivePlatform, waitForStatus, type CheckoutAnswer, type LivePlatform, type OrderJson } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const DAY = 86_400_000;

const clock = fixedClock(new Date());
let t: LivePlatform;
let merchant: TestClient;
let producer: TestClient;
let seriesId = '';
let episodeId = '';

beforeAll(async () => {
  t = await startLivePlatform({}, { clock });
  [merchant, producer] = await Promise.all([new TestClient(t.app).signUp('merchant'), new TestClient(t.app).signUp('creator')]);
  const series = await publishedSeries(t, producer, { prices: [0], freeEpisodes: 1 });
  seriesId = series.seriesId;
  episodeId = series.episodeIds[0] ?? '';
}, 60_000);
afterAll(async () => t.stop());

async function placedSku(): Promise<{ placementId: string; skuId: string }> {
  const productId = await placeableProduct(merchant, producer, { prices: [2599] });
  const placementId = await place(producer, episodeId, { productId, startMs: 1_000, endMs: 4_000 });
  const product = (await merchant.get(`/api/v1/products/${productId}`)).json<{ skus: { id: string }[] }>();
  return { placementId, skuId: product.skus[0]?.id ?? '' };
}

async function touch(viewer: TestClient, type: 'card_click' | 'card_impression', placementId: string, atMs: number): Promise<void> {
  const response = await viewer.post('/api/v1/events', { events: [{ id: randomUUID(), type, placementId, atMs }] });
  expect(response.json<{ accepted: number }>().accepted, response.body).toBe(1);
}

describe(`purchases are attributed from the server's own record of touches (${label})`, () => {
  it('attributes a purchase after a card click to that placement, episode, series and second, for the buyer and the merchant', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const { placementId, skuId } = await placedSku();
    await touch(viewer, 'card_impression', placementId, 1_200);
    clock.advance(5_000);
    await touch(viewer, 'card_click', placementId, 2_500);
    const clickedAt = clock.now().toISOString();
    clock.advance(60_000);

    const created = await checkout(viewer, { items: [{ skuId, quantity: 1 }], returnTo: { episodeId, atMs: 2_500 } }, 'attr-checkout-00001');
    expect(created.statusCode, created.body).toBe(201);
    const answer = created.json<CheckoutAnswer>();
    const expected = { seriesId, episodeId, placementId, atMs: 2_500, touchType: 'card_click', touchedAt: clickedAt };
    expect(answer.orders[0]?.lines[0]?.attribution).toEqual(expected);
    const paid = await pressHostedPage(answer.redirectUrl, 'succeed');
    expect(paid.headers.get('location')).toBe(`${t.base}/watch/${episodeId}?at=2500&checkout=${answer.checkoutId}`);
    await waitForStatus(t, [answer.orders[0]?.id ?? ''], 'paid');
    const shopOrders = (await merchant.get('/api/v1/shop/orders')).json<{ items: OrderJson[] }>().items;
    expect(shopOrders.find((o) => o.id === answer.orders[0]?.id)?.lines[0]?.attribution).toEqual(expected);
  });

  it('records a purchase outside every window, or with no touch at all, as unattributed', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const { placementId, skuId } = await placedSku();
    await touch(viewer, 'card_click', placementId, 3_000);
    clock.advance(7 * DAY + 1);
    const late = (await checkout(viewer, { items: [{ skuId, quantity: 1 }] }, 'attr-checkout-00002')).json<CheckoutAnswer>();
    expect(late.orders[0]?.lines[0]?.attribution).toBeNull();

    // Someone else's click does not count for this buyer.
    const other = await new TestClient(t.app).signUp('viewer');
    await touch(other, 'card_click', placementId, 3_000);
    const untouched = (await checkout(viewer, { items: [{ skuId, quantity: 1 }] }, 'attr-checkout-00003')).json<CheckoutAnswer>();
    expect(untouched.orders[0]?.lines[0]?.attribution).toBeNull();
  });
});
