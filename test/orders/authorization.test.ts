import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { checkout, createProduct, pressHostedPage, startLivePlatform, waitForStatus, type CheckoutAnswer, type LivePlatform, type OrderJson } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

let t: LivePlatform;
let merchantA: TestClient;
let merchantB: TestClient;
let viewerA: TestClient;
let viewerB: TestClient;
let anonymous: TestClient;
let orderA = '';
let cartItemA = '';
let lineA = '';

beforeAll(async () => {
  t = await startLivePlatform();
  [merchantA, merchantB, viewerA, viewerB] = await Promise.all([
    new TestClient(t.app).signUp('merchant'),
    new TestClient(t.app).signUp('merchant'),
    new TestClient(t.app).signUp('viewer'),
    new TestClient(t.app).signUp('viewer'),
  ]);
  anonymous = new TestClient(t.app);
  const { skuIds } = await createProduct(merchantA, [{ priceMinor: 2500, stock: 10 }, { priceMinor: 900, stock: 10 }]);
  const answer = (await checkout(viewerA, { items: [{ skuId: skuIds[0], quantity: 1 }] }, 'authz-order-000001')).json<CheckoutAnswer>();
  orderA = answer.orders[0]?.id ?? '';
  lineA = answer.orders[0]?.lines[0]?.id ?? '';
  await pressHostedPage(answer.redirectUrl, 'succeed');
  await waitForStatus(t, [orderA], 'paid');
  cartItemA = (await viewerA.post('/api/v1/cart', { skuId: skuIds[1], quantity: 1 })).json<{ items: { id: string }[] }>().items[0]?.id ?? '';
}, 60_000);
afterAll(async () => t.stop());

const code = async (promise: Promise<{ json: <T>() => T }>) => (await promise).json<{ code: string }>().code;

describe(`orders authorization matrix (${label})`, () => {
  it("viewer B cannot read or change viewer A's cart or orders", async () => {
    expect((await viewerB.get('/api/v1/cart')).json<{ items: unknown[] }>().items).toEqual([]);
    expect((await viewerB.patch(`/api/v1/cart/items/${cartItemA}`, { quantity: 5 })).statusCode).toBe(404);
    expect((await viewerB.delete(`/api/v1/cart/items/${cartItemA}`)).statusCode).toBe(404);
    expect((await viewerB.get('/api/v1/orders')).json<{ items: unknown[] }>().items).toEqual([]);
    expect((await viewerB.get(`/api/v1/orders/${orderA}`)).statusCode).toBe(404);
    expect((await viewerB.post(`/api/v1/orders/${orderA}/refund-request`, {})).statusCode).toBe(404);
    // Untouched: A still sees their cart item with its quantity, and their paid order.
    expect((await viewerA.get('/api/v1/cart')).json<{ items: { id: string; quantity: number }[] }>().items).toEqual([expect.objectContaining({ id: cartItemA, quantity: 1 })]);
    expect((await viewerA.get(`/api/v1/orders/${orderA}`)).json<OrderJson>().status).toBe('paid');
  });

  it('viewers and anonymous callers cannot use the merchant routes; anonymous callers have no cart', async () => {
    expect(await code(viewerA.get('/api/v1/shop/orders'))).toBe('FORBIDDEN');
    expect(await code(viewerA.post(`/api/v1/shop/orders/${orderA}/ship`, { carrier: 'SF', trackingNumber: 'X1' }))).toBe('FORBIDDEN');
    expect(await code(viewerA.get('/api/v1/shop/webhooks'))).toBe('FORBIDDEN');
    expect(await code(anonymous.get('/api/v1/cart'))).toBe('UNAUTHENTICATED');
    expect(await code(anonymous.get(`/api/v1/orders/${orderA}`))).toBe('UNAUTHENTICATED');
    expect(await code(anonymous.request('POST', '/api/v1/checkout', { items: [] }, { 'idempotency-key': 'anon-checkout-01' }))).toBe('UNAUTHENTICATED');
  });

  it("merchant B cannot read or act on merchant A's orders or webhooks", async () => {
    expect((await merchantB.get('/api/v1/shop/orders')).json<{ items: unknown[] }>().items).toEqual([]);
    expect(await code(merchantB.get(`/api/v1/shop/orders?shopId=${merchantA.orgIds[0] ?? ''}`))).toBe('FORBIDDEN');
    expect((await merchantB.post(`/api/v1/shop/orders/${orderA}/ship`, { carrier: 'SF', trackingNumber: 'X1' })).statusCode).toBe(404);
    expect((await merchantB.post(`/api/v1/shop/orders/${orderA}/deliver`)).statusCode).toBe(404);
    expect((await merchantB.request('POST', `/api/v1/shop/orders/${orderA}/refund`, { lines: [{ lineId: lineA, quantity: 1 }] }, { 'idempotency-key': 'authz-refund-0001' })).statusCode).toBe(404);
    expect(await code(merchantB.get(`/api/v1/shop/webhooks?shopId=${merchantA.orgIds[0] ?? ''}`))).toBe('FORBIDDEN');
    expect(await code(merchantB.put(`/api/v1/shop/webhooks?shopId=${merchantA.orgIds[0] ?? ''}`, { url: 'http://127.0.0.1:9/steal' }))).toBe('FORBIDDEN');
    expect((await merchantA.get('/api/v1/shop/webhooks')).json<{ endpoint: unknown }>().endpoint).toBeNull();

    // Nothing B tried changed the order; A sees it, with its lines, and can act on it.
    const listed = (await merchantA.get('/api/v1/shop/orders')).json<{ items: OrderJson[] }>().items;
    expect(listed.map((o) => [o.id, o.status, o.refundedMinor])).toEqual([[orderA, 'paid', 0]]);
    expect((await merchantA.post(`/api/v1/shop/orders/${orderA}/ship`, { carrier: 'SF', trackingNumber: 'SF9' })).json<OrderJson>().status).toBe('shipped');
  });
});
