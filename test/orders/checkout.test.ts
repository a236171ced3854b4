import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgs } from '../../src/modules/identity/schema.ts';
import { orders } from '../../src/modules/orders/schema.ts';
import { payments as paymentRows } from '../../src/modules/payments/schema.ts';
import { openApiSchemaErrors, pathParameterErrors, type OpenApiDocument } from '../process/support/openapi.ts';
import { TestClient } from '../support/app.ts';
import { until } from '../support/async.ts';
import { testPostgresUrl } from '../support/db.ts';
import { checkout, createProduct, pressHostedPage, shopSettings, startLivePlatform, stockOf, waitForStatus, type CheckoutAnswer, type LivePlatform, type OrderJson } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

let t: LivePlatform;
let merchantA: TestClient;
let merchantB: TestClient;
// Each shop under a name of its own (sign-up names both "Test merchant's shop").
const SHOP_A = 'Peony Leather 牡丹皮具';
const SHOP_B = 'West Lake Tea 西湖茶庄';

beforeAll(async () => {
  t = await startLivePlatform();
  [merchantA, merchantB] = await Promise.all([new TestClient(t.app).signUp('merchant'), new TestClient(t.app).signUp('merchant')]);
  // Shop A charges 8.00 shipping under 100.00; shop B ships free and writes refunded units off.
  await shopSettings(merchantA, { shippingFlatMinor: 800, freeShippingOverMinor: 10_000, currency: 'CNY', restockOnRefund: true });
  await shopSettings(merchantB, { shippingFlatMinor: 0, freeShippingOverMinor: null, currency: 'CNY', restockOnRefund: false });
  const { db } = t.platform.drivers.database;
  await db.update(orgs).set({ name: SHOP_A }).where(eq(orgs.id, merchantA.orgIds[0] ?? ''));
  await db.update(orgs).set({ name: SHOP_B }).where(eq(orgs.id, merchantB.orgIds[0] ?? ''));
}, 60_000);
afterAll(async () => t.stop());

const paymentOf = async (viewer: TestClient, paymentId: string) => (await viewer.get(`/api/v1/payments/${paymentId}`)).json<{ status: string; amountMinor: number; refundedMinor: number }>();

describe(`cart and checkout through the sandbox (${label})`, () => {
  it('keeps the cart across devices, makes one order per shop with server totals and one payment, and returns to the episode second', async () => {
    const a = await createProduct(merchantA, [{ priceMinor: 1999, stock: 5 }]);
    const b = await createProduct(merchantB, [{ priceMinor: 5000, stock: 3 }]);
    const [skuA = '', skuB = ''] = [a.skuIds[0], b.skuIds[0]];
    const email = `cart-${Date.now()}@example.com`;
    const phone = await new TestClient(t.app).signUp('viewer', email);
    expect((await phone.post('/api/v1/cart', { skuId: skuA, quantity: 1 })).statusCode).toBe(201);
    expect((await phone.post('/api/v1/cart', { skuId: skuA, quantity: 1 })).statusCode).toBe(201);
    expect((await phone.post('/api/v1/cart', { skuId: skuB, quantity: 1 })).statusCode).toBe(201);
    expect((await phone.post('/api/v1/cart', { skuId: skuA, quantity: '1' })).statusCode).toBe(400);

    // Another device, the same account: the same cart.
    const laptop = new TestClient(t.app);
    const signIn = await laptop.post('/api/v1/auth/signin', { email, password: 'correct horse battery' });
    expect(signIn.statusCode).toBe(200);
    laptop.csrfToken = signIn.json<{ csrfToken: string }>().csrfToken;
    const cart = (await laptop.get('/api/v1/cart')).json<{ items: { id: string; skuId: string; quantity: number; sku: { shopId: string; shopName: string } }[]; subtotals: { currency: string; amountMinor: number }[] }>();
    expect(cart.items.map((i) => [i.skuId, i.quantity, i.sku.shopId, i.sku.shopName])).toEqual([
      [skuA, 2, merchantA.orgIds[0], SHOP_A],
      [skuB, 1, merchantB.orgIds[0], SHOP_B],
    ]);
    expect(cart.subtotals).toEqual([{ currency: 'CNY', amountMinor: 2 * 1999 + 5000 }]);

    const created = await checkout(laptop, { returnTo: { episodeId: 'ep_demo', atMs: 12_345 } }, 'checkout-cart-0001');
    expect(created.statusCode, created.body).toBe(201);
    const answer = created.json<CheckoutAnswer>();
    expect(answer.checkoutId).toMatch(/^chk_/);
    expect(answer.orders).toHaveLength(2);
    const orderA = answer.orders.find((o) => o.shopId === merchantA.orgIds[0]) as OrderJson;
    const orderB = answer.orders.find((o) => o.shopId === merchantB.orgIds[0]) as OrderJson;
    expect(orderA).toMatchObject({ status: 'pending_payment', currency: 'CNY', subtotalMinor: 3998, shippingMinor: 800, totalMinor: 4798, paymentId: answer.paymentId });
    expect(orderB).toMatchObject({ status: 'pending_payment', subtotalMinor: 5000, shippingMinor: 0, totalMinor: 5000 });
    expect(orderA.id).toMatch(/^ord_/);
    expect(await paymentOf(laptop, answer.paymentId)).toMatchObject({ status: 'requires_payment', amountMinor: 9798 });
    expect(await stockOf(t, skuA)).toEqual({ available: 3, reserved: 2, sold: 0 });
    expect((await phone.get('/api/v1/cart')).json<{ items: unknown[] }>().items).toEqual([]);

    const paid = await pressHostedPage(answer.redirectUrl, 'succeed');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`${t.base}/watch/ep_demo?at=12345&checkout=${answer.checkoutId}`);
    await waitForStatus(t, [orderA.id, orderB.id], 'paid');
    expect(await stockOf(t, skuA)).toEqual({ available: 3, reserved: 0, sold: 2 });
    expect(await stockOf(t, skuB)).toEqual({ available: 2, reserved: 0, sold: 1 });
    const mine = (await phone.get('/api/v1/orders')).json<{ items: (OrderJson & { shopName: string })[] }>().items;
    expect(mine.map((o) => o.status)).toEqual(['paid', 'paid']);
    expect(new Map(mine.map((o) => [o.id, o.shopName]))).toEqual(new Map([[orderA.id, SHOP_A], [orderB.id, SHOP_B]]));
    const one = (await phone.get(`/api/v1/orders/${orderA.id}`)).json<OrderJson & { shopName: string }>();
    expect(one.lines.map((l) => [l.skuId, l.quantity, l.unitPriceMinor])).toEqual([[skuA, 2, 1999]]);
    expect([one.shopId, one.shopName]).toEqual([merchantA.orgIds[0], SHOP_A]);
    // Each line keeps the product's first image as it was when bought.
    expect(one.lines.map((l) => l.image)).toEqual(['https://example.com/bag.jpg']);
  });

  it('refuses what it cannot price: mixed currencies, unknown SKUs, an empty cart, client prices', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const mixed = await createProduct(merchantA, [{ priceMinor: 100, currency: 'CNY' }]);
    const gbp = await createProduct(merchantA, [{ priceMinor: 100, currency: 'GBP' }]);
    const inOneShop = await checkout(viewer, { items: [{ skuId: mixed.skuIds[0], quantity: 1 }, { skuId: gbp.skuIds[0], quantity: 1 }] }, 'checkout-mixed-0001');
    expect(inOneShop.statusCode).toBe(400);
    expect(inOneShop.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    const gbpB = await createProduct(merchantB, [{ priceMinor: 100, currency: 'GBP' }]);
    expect((await checkout(viewer, { items: [{ skuId: mixed.skuIds[0], quantity: 1 }, { skuId: gbpB.skuIds[0], quantity: 1 }] }, 'checkout-mixed-0002')).statusCode).toBe(400);
    expect((await checkout(viewer, { items: [{ skuId: 'sku_nope', quantity: 1 }] }, 'checkout-unknown-01')).statusCode).toBe(404);
    expect((await checkout(viewer, {}, 'checkout-empty-0001')).json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    expect((await checkout(viewer, { items: [{ skuId: mixed.skuIds[0], quantity: 1, priceMinor: 1 }] }, 'checkout-price-0001')).statusCode).toBe(400);
    expect((await checkout(viewer, { items: [{ skuId: mixed.skuIds[0], quantity: 1 }], attribution: { placementId: 'plc_forged' } }, 'checkout-forge-0001')).statusCode).toBe(400);
    expect((await stockOf(t, mixed.skuIds[0] ?? '')).reserved).toBe(0);
  });

  it('gives the stock back and cancels the orders when the provider cannot open the payment, and a retry with the same key then succeeds', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const product = await createProduct(merchantB, [{ priceMinor: 900, stock: 1 }]);
    const skuId = product.skuIds[0] ?? '';
    const payments = t.platform.modules.payments.service;
    const openIntent = payments.openIntent;
    payments.openIntent = () => Promise.reject(new Error('the provider is down'));
    const refused = await checkout(viewer, { items: [{ skuId, quantity: 1 }] }, 'checkout-provider-down-1').finally(() => {
      payments.openIntent = openIntent;
    });
    expect(refused.statusCode).toBe(500);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(await stockOf(t, skuId)).toEqual({ available: 1, reserved: 0, sold: 0 });
    const cancelled = await t.platform.drivers.database.db.select({ status: orders.status, paymentId: orders.paymentId }).from(orders).where(eq(orders.userId, viewer.userId ?? ''));
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.status).toBe('cancelled');
    // The order named its payment from its first write: that payment exists, without a provider intent.
    const [recorded] = await t.platform.drivers.database.db.select().from(paymentRows).where(eq(paymentRows.id, cancelled[0]?.paymentId ?? ''));
    expect(recorded).toMatchObject({ providerPaymentId: null, amountMinor: 900 });

    const retried = await checkout(viewer, { items: [{ skuId, quantity: 1 }] }, 'checkout-provider-down-1');
    expect(retried.statusCode, retried.body).toBe(201);
    expect(await stockOf(t, skuId)).toEqual({ available: 0, reserved: 1, sold: 0 });
  });

  it('leaves orders pending after a failed payment', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const product = await createProduct(merchantB, [{ priceMinor: 700, stock: 2 }]);
    const answer = (await checkout(viewer, { items: [{ skuId: product.skuIds[0], quantity: 1 }] }, 'checkout-fail-00001')).json<CheckoutAnswer>();
    const failed = await pressHostedPage(answer.redirectUrl, 'fail');
    expect(failed.headers.get('location')).toBe(`${t.base}/me?checkout=${answer.checkoutId}`);
    await until('the payment to fail', async () => (await paymentOf(viewer, answer.paymentId)).status === 'failed');
    const order = (await viewer.get(`/api/v1/orders/${answer.orders[0]?.id ?? ''}`)).json<OrderJson>();
    expect(order.status).toBe('pending_payment');
    expect(await stockOf(t, product.skuIds[0] ?? '')).toEqual({ available: 1, reserved: 1, sold: 0 });
  });

  it('ships, delivers and refunds per line and in full, giving money back through payments and stock back per shop policy', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const a = await createProduct(merchantA, [{ priceMinor: 3000, stock: 10 }, { priceMinor: 2000, stock: 10 }]);
    const [sku1 = '', sku2 = ''] = a.skuIds;
    const answer = (await checkout(viewer, { items: [{ skuId: sku1, quantity: 2 }, { skuId: sku2, quantity: 1 }] }, 'checkout-refund-001')).json<CheckoutAnswer>();
    const order = answer.orders[0] as OrderJson;
    expect(order).toMatchObject({ subtotalMinor: 8000, shippingMinor: 800, totalMinor: 8800 });
    // Nothing happens to an unpaid order but payment or expiry.
    expect((await merchantA.post(`/api/v1/shop/orders/${order.id}/ship`, { carrier: 'SF', trackingNumber: 'SF1' })).json<{ code: string }>().code).toBe('INVALID_STATE');
    expect((await viewer.post(`/api/v1/orders/${order.id}/refund-request`, {})).statusCode).toBe(409);
    await pressHostedPage(answer.redirectUrl, 'succeed');
    await waitForStatus(t, [order.id], 'paid');

    expect((await merchantA.post(`/api/v1/shop/orders/${order.id}/deliver`)).statusCode).toBe(409);
    const shipped = await merchantA.post(`/api/v1/shop/orders/${order.id}/ship`, { carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect((await viewer.get(`/api/v1/orders/${order.id}`)).json<OrderJson>()).toMatchObject({ status: 'shipped', carrier: 'SF Express', trackingNumber: 'SF1234567890' });
    expect((await merchantA.post(`/api/v1/shop/orders/${order.id}/deliver`)).json<OrderJson>().status).toBe('delivered');

    const line1 = order.lines.find((l) => l.skuId === sku1)?.id ?? '';
    const asked = await viewer.post(`/api/v1/orders/${order.id}/refund-request`, { lines: [{ lineId: line1, quantity: 1 }] });
    expect(asked.json<OrderJson & { shopName: string }>()).toMatchObject({ status: 'refund_requested', shopName: SHOP_A });
    expect((await viewer.post(`/api/v1/orders/${order.id}/refund-request`, {})).statusCode).toBe(409);
    expect((await merchantA.post(`/api/v1/shop/orders/${order.id}/refund`, {})).json<{ code: string }>().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const refunded = await merchantA.request('POST', `/api/v1/shop/orders/${order.id}/refund`, {}, { 'idempotency-key': 'refund-line-0001' });
    expect(refunded.statusCode, refunded.body).toBe(200);
    const after = refunded.json<OrderJson>();
    // What the buyer asked for: one unit of line 1, no shipping while something is left.
    expect(after).toMatchObject({ status: 'refunded', refundedMinor: 3000 });
    expect(after.lines.find((l) => l.id === line1)?.refundedQuantity).toBe(1);
    expect(await stockOf(t, sku1)).toEqual({ available: 9, reserved: 0, sold: 1 });
    await until('the partial refund to reach the payment', async () => (await paymentOf(viewer, answer.paymentId)).refundedMinor === 3000);
    expect((await paymentOf(viewer, answer.paymentId)).status).toBe('partially_refunded');
    // refunded is final; a replay of the same request answers the first response.
    const replay = await merchantA.request('POST', `/api/v1/shop/orders/${order.id}/refund`, {}, { 'idempotency-key': 'refund-line-0001' });
    expect(replay.body).toBe(refunded.body);
    expect((await merchantA.request('POST', `/api/v1/shop/orders/${order.id}/refund`, {}, { 'idempotency-key': 'refund-line-0002' })).statusCode).toBe(409);

    // Shop B writes refunded units off; a full refund returns shipping too.
    const b = await createProduct(merchantB, [{ priceMinor: 1500, stock: 4 }]);
    const second = (await checkout(viewer, { items: [{ skuId: b.skuIds[0], quantity: 2 }] }, 'checkout-refund-002')).json<CheckoutAnswer>();
    await pressHostedPage(second.redirectUrl, 'succeed');
    const orderB = second.orders[0]?.id ?? '';
    await waitForStatus(t, [orderB], 'paid');
    const full = await merchantB.request('POST', `/api/v1/shop/orders/${orderB}/refund`, {}, { 'idempotency-key': 'refund-full-0001' });
    expect(full.json<OrderJson>()).toMatchObject({ status: 'refunded', refundedMinor: 3000 });
    expect(await stockOf(t, b.skuIds[0] ?? '')).toEqual({ available: 2, reserved: 0, sold: 2 });
    await until('the full refund to reach the payment', async () => (await paymentOf(viewer, second.paymentId)).status === 'refunded');
  });

  it('documents every orders and checkout route in a valid OpenAPI document', async () => {
    const document = (await new TestClient(t.app).get('/api/openapi.json')).json<OpenApiDocument & { paths: Record<string, Record<string, { tags?: string[] }>> }>();
    const expected: [string, string, string][] = [
      ['/api/v1/cart', 'get', 'orders'],
      ['/api/v1/cart', 'post', 'orders'],
      ['/api/v1/cart', 'delete', 'orders'],
      ['/api/v1/cart/items/{id}', 'patch', 'orders'],
      ['/api/v1/cart/items/{id}', 'delete', 'orders'],
      ['/api/v1/checkout', 'post', 'checkout'],
      ['/api/v1/orders', 'get', 'orders'],
      ['/api/v1/orders/{id}', 'get', 'orders'],
      ['/api/v1/orders/{id}/refund-request', 'post', 'orders'],
      ['/api/v1/shop/orders', 'get', 'orders'],
      ['/api/v1/shop/orders/{id}/ship', 'post', 'orders'],
      ['/api/v1/shop/orders/{id}/deliver', 'post', 'orders'],
      ['/api/v1/shop/orders/{id}/refund', 'post', 'orders'],
      ['/api/v1/shop/webhooks', 'get', 'orders'],
      ['/api/v1/shop/webhooks', 'put', 'orders'],
      ['/api/v1/shop/webhooks/rotate-secret', 'post', 'orders'],
    ];
    for (const [path, method, tag] of expected) expect(document.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual([tag]);
    expect(await openApiSchemaErrors(document)).toEqual([]);
    expect(pathParameterErrors(document)).toEqual([]);
  });
});
