import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWorkers } from '../../src/app.ts';
import { fixedClock } from '../../src/core/clock.ts';
import { freePort, until } from '../support/async.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';
import { publishedSeries } from './support.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const clock = fixedClock(new Date());

let t: TestPlatform;

beforeAll(async () => {
  const port = await freePort();
  t = await startTestPlatform({ PUBLIC_URL: `http://127.0.0.1:${port}`, PAYMENTS_SANDBOX_DUPLICATE_WEBHOOKS: 'true' }, { clock });
  registerWorkers(t.platform);
  await t.app.listen({ port, host: '127.0.0.1' });
  t.platform.drivers.queue.start();
});
afterAll(async () => {
  await t.platform.drivers.queue.stop(2_000);
  await t.close();
});

const wallet = () => t.platform.modules.wallet.service;

/** Buys a pack through the hosted sandbox page and waits until the webhook credited it. */
async function boughtPack(viewer: TestClient, packId: string, paidCoins: number): Promise<string> {
  const created = await viewer.request('POST', '/api/v1/wallet/top-ups', { packId }, { 'idempotency-key': crypto.randomUUID() });
  expect(created.statusCode).toBe(201);
  const { paymentId, redirectUrl } = created.json<{ paymentId: string; redirectUrl: string }>();
  const before = (await wallet().balances(viewer.userId ?? '')).paid;
  expect((await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
  await until('the pack to be credited', async () => (await wallet().balances(viewer.userId ?? '')).paid === before + paidCoins);
  return paymentId;
}

const refund = (viewer: TestClient, paymentId: string, key = crypto.randomUUID()) =>
  viewer.request('POST', `/api/v1/wallet/top-ups/${paymentId}/refund`, undefined, { 'idempotency-key': key });
const paymentStatus = async (viewer: TestClient, paymentId: string) => (await viewer.get(`/api/v1/payments/${paymentId}`)).json<{ status: string; refundedMinor: number }>();

describe(`refunding an unused coin pack (${label})`, () => {
  it('takes the coins and the bonus back at once and returns the money through the provider, once', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const paymentId = await boughtPack(viewer, 'pack_300', 300);
    expect(await wallet().balances(viewer.userId ?? '')).toMatchObject({ paid: 300, bonus: 15 });
    const listed = (await viewer.get('/api/v1/wallet/top-ups')).json<{ items: { paymentId: string; packId: string; status: string; refundable: boolean }[] }>();
    expect(listed.items).toEqual([expect.objectContaining({ paymentId, packId: 'pack_300', status: 'succeeded', refundable: true })]);
    const key = crypto.randomUUID();
    const first = await refund(viewer, paymentId, key);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ paymentId, coins: 300, bonus: 15, amountMinor: 299, currency: 'USD', status: 'refund_pending' });
    expect(await wallet().balances(viewer.userId ?? '')).toMatchObject({ paid: 0, bonus: 0, total: 0 });
    expect((await refund(viewer, paymentId, key)).body).toBe(first.body);
    await until('the provider refund', async () => (await paymentStatus(viewer, paymentId)).status === 'refunded');
    expect((await paymentStatus(viewer, paymentId)).refundedMinor).toBe(299);
    expect((await viewer.get('/api/v1/wallet/top-ups')).json<{ items: { refundable: boolean; status: string }[] }>().items).toEqual([
      expect.objectContaining({ status: 'refunded', refundable: false }),
    ]);
    // Asking again under a new key: the payment is refunded, nothing moves.
    const again = await refund(viewer, paymentId);
    expect(again.statusCode).toBe(409);
    expect(await wallet().balances(viewer.userId ?? '')).toMatchObject({ total: 0 });
    const history = (await viewer.get('/api/v1/wallet/history')).json<{ items: { kind: string; amount: number }[] }>();
    expect(history.items.filter((i) => i.kind === 'coin_refund').map((i) => i.amount)).toEqual([-315]);
    expect(await t.platform.modules.ledger.service.verify()).toMatchObject({ ok: true });
  });

  it('refuses a pack whose coins or bonus were spent, and changes nothing', async () => {
    const producer = await new TestClient(t.app).signUp('creator');
    const { episodeIds } = await publishedSeries(t, producer, { prices: [0, 10] });
    const viewer = await new TestClient(t.app).signUp('viewer');
    const paymentId = await boughtPack(viewer, 'pack_300', 300);
    // Bonus coins are spent first: the 10-coin unlock eats into the pack's bonus lot.
    expect((await viewer.request('POST', `/api/v1/episodes/${episodeIds[1]}/unlock`, {}, { 'idempotency-key': crypto.randomUUID() })).statusCode).toBe(200);
    const refused = await refund(viewer, paymentId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'INVALID_STATE' });
    expect(await wallet().balances(viewer.userId ?? '')).toMatchObject({ paid: 300, bonus: 5 });

    const spender = await new TestClient(t.app).signUp('viewer');
    const small = await boughtPack(spender, 'pack_100', 100);
    await wallet().spend({ userId: spender.userId ?? '', coins: 1, reference: 'one-coin', studioId: 'std_test', reason: 'test' });
    const poor = await refund(spender, small);
    expect(poor.statusCode).toBe(402);
    expect(poor.json()).toMatchObject({ code: 'INSUFFICIENT_FUNDS', balance: 99, needed: 100 });
    expect((await paymentStatus(spender, small)).status).toBe('succeeded');
  });

  it('belongs to its buyer only, and only for 14 days', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const paymentId = await boughtPack(viewer, 'pack_100', 100);
    const stranger = await new TestClient(t.app).signUp('viewer');
    expect((await refund(stranger, paymentId)).statusCode).toBe(404);
    expect((await new TestClient(t.app).request('POST', `/api/v1/wallet/top-ups/${paymentId}/refund`, undefined, { 'idempotency-key': 'anon' })).statusCode).toBe(401);
    expect((await viewer.post(`/api/v1/wallet/top-ups/${paymentId}/refund`)).json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED' });
    clock.advance(14 * 24 * 3600_000 + 60_000);
    const late = await refund(viewer, paymentId);
    expect(late.statusCode).toBe(409);
    expect(late.json<{ detail: string }>().detail).toContain('14 days');
    expect(await wallet().balances(viewer.userId ?? '')).toMatchObject({ paid: 100 });
  });
});
