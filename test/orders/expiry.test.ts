import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/clock.ts';
import { orderRefunds } from '../../src/modules/orders/schema.ts';
import { TestClient } from '../support/app.ts';
import { until } from '../support/async.ts';
import { testPostgresUrl } from '../support/db.ts';
import { checkout, createProduct, pressHostedPage, startLivePlatform, stockOf, waitForStatus, type CheckoutAnswer, type LivePlatform, type OrderJson } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const RESERVATION_MS = 15 * 60_000;

const clock = fixedClock(new Date());
let t: LivePlatform;
let merchant: TestClient;

beforeAll(async () => {
  t = await startLivePlatform({ CHECKOUT_EXPIRY_INTERVAL_MS: '200' }, { clock });
  merchant = await new TestClient(t.app).signUp('merchant');
}, 60_000);
afterAll(async () => t.stop());

const paymentOf = async (viewer: TestClient, paymentId: string) => (await viewer.get(`/api/v1/payments/${paymentId}`)).json<{ status: string; refundedMinor: number }>();

describe(`unpaid orders expire; late payments are refunded, never resurrected (${label})`, () => {
  it('keeps an order paid in time, and cancels the unpaid one at its deadline with its stock back on sale', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const { skuIds } = await createProduct(merchant, [{ priceMinor: 1000, stock: 5 }]);
    const skuId = skuIds[0] ?? '';
    const inTime = (await checkout(viewer, { items: [{ skuId, quantity: 1 }] }, 'expiry-in-time-001')).json<CheckoutAnswer>();
    const unpaid = (await checkout(viewer, { items: [{ skuId, quantity: 2 }] }, 'expiry-unpaid-0001')).json<CheckoutAnswer>();
    expect(await stockOf(t, skuId)).toEqual({ available: 2, reserved: 3, sold: 0 });

    clock.advance(RESERVATION_MS - 1_000);
    await pressHostedPage(inTime.redirectUrl, 'succeed');
    await waitForStatus(t, [inTime.orders[0]?.id ?? ''], 'paid');
    clock.advance(2_000);
    await waitForStatus(t, [unpaid.orders[0]?.id ?? ''], 'cancelled', 10_000);
    expect(await stockOf(t, skuId)).toEqual({ available: 4, reserved: 0, sold: 1 });
    expect((await viewer.get(`/api/v1/orders/${inTime.orders[0]?.id ?? ''}`)).json<OrderJson>().status).toBe('paid');
    expect((await merchant.post(`/api/v1/shop/orders/${unpaid.orders[0]?.id ?? ''}/ship`, { carrier: 'SF', trackingNumber: 'SF1' })).json<{ code: string }>().code).toBe('INVALID_STATE');
  });

  it('refunds a payment that succeeds after its order was cancelled, and leaves the order and stock alone', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const { skuIds } = await createProduct(merchant, [{ priceMinor: 2500, stock: 3 }]);
    const skuId = skuIds[0] ?? '';
    const answer = (await checkout(viewer, { items: [{ skuId, quantity: 1 }] }, 'expiry-late-pay-01')).json<CheckoutAnswer>();
    const orderId = answer.orders[0]?.id ?? '';
    clock.advance(RESERVATION_MS + 1_000);
    await waitForStatus(t, [orderId], 'cancelled', 10_000);
    expect(await stockOf(t, skuId)).toEqual({ available: 3, reserved: 0, sold: 0 });

    // The buyer pays on the page they left open.
    expect((await pressHostedPage(answer.redirectUrl, 'succeed')).status).toBe(303);
    await until('the late payment to be refunded', async () => (await paymentOf(viewer, answer.paymentId)).status === 'refunded', 20_000);
    expect((await paymentOf(viewer, answer.paymentId)).refundedMinor).toBe(2500);
    const refunds = await t.platform.drivers.database.db.select().from(orderRefunds).where(eq(orderRefunds.orderId, orderId));
    expect(refunds.map((r) => [r.reason, r.amountMinor, r.status])).toEqual([['late_payment', 2500, 'succeeded']]);
    expect((await viewer.get(`/api/v1/orders/${orderId}`)).json<OrderJson>().status).toBe('cancelled');
    expect(await stockOf(t, skuId)).toEqual({ available: 3, reserved: 0, sold: 0 });
  });
});
