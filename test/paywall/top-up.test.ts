import { setTimeout as sleep } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../support/async.ts';
import { registerWorkers } from '../../src/app.ts';
import { jobs } from '../../src/drivers/queue/schema.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';
import { testPostgresUrl } from '../support/db.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';


let t: TestPlatform;
let base = '';

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await startTestPlatform({ PUBLIC_URL: base, PAYMENTS_SANDBOX_DUPLICATE_WEBHOOKS: 'true' });
  registerWorkers(t.platform);
  await t.app.listen({ port, host: '127.0.0.1' });
  t.platform.drivers.queue.start();
});
afterAll(async () => {
  await t.platform.drivers.queue.stop(2_000);
  await t.close();
});

describe(`buying a coin pack through the sandbox over real HTTP (${label})`, () => {
  const topUp = (viewer: TestClient, body: Record<string, unknown>, key: string) => viewer.request('POST', '/api/v1/wallet/top-ups', body, { 'idempotency-key': key });
  const deliveriesSettled = async () => (await t.platform.drivers.database.db.select().from(jobs).where(eq(jobs.queue, 'sandbox-webhooks'))).every((j) => j.status === 'done');

  it('credits the pack (coins and bonus) exactly once after the hosted page succeeds', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    expect((await viewer.post('/api/v1/wallet/top-ups', { packId: 'pack_300' })).json<{ code: string }>().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect((await topUp(viewer, { packId: 'pack_nope' }, 'topup-key-bad1')).statusCode).toBe(404);
    expect((await topUp(viewer, { packId: 'pack_300', returnUrl: 'https://evil.example/x' }, 'topup-key-bad2')).statusCode).toBe(400);

    const created = await topUp(viewer, { packId: 'pack_300', returnUrl: `${base}/wallet?done=1` }, 'topup-key-0001');
    expect(created.statusCode).toBe(201);
    const { paymentId, redirectUrl } = created.json<{ paymentId: string; redirectUrl: string }>();
    expect(redirectUrl.startsWith(`${base}/api/v1/payments/sandbox/pay/`)).toBe(true);
    const replay = await topUp(viewer, { packId: 'pack_300', returnUrl: `${base}/wallet?done=1` }, 'topup-key-0001');
    expect(replay.body).toBe(created.body);
    expect((await t.platform.modules.wallet.service.balances(userId)).total).toBe(0);

    const paid = await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`${base}/wallet?done=1`);

    await until('the pack to be credited', async () => (await t.platform.modules.wallet.service.balances(userId)).paid === 300);
    await until('every delivery to finish', deliveriesSettled);
    // A second press on the hosted page changes nothing.
    await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' });
    await sleep(300);
    await until('every delivery to finish', deliveriesSettled);
    const balances = await t.platform.modules.wallet.service.balances(userId);
    expect(balances).toMatchObject({ paid: 300, bonus: 15, total: 315 });
    const history = (await viewer.get('/api/v1/wallet/history')).json<{ items: { kind: string; amount: number }[] }>();
    expect(history.items.map((i) => [i.kind, i.amount]).sort()).toEqual([
      ['bonus_grant', 15],
      ['coin_topup', 300],
    ]);
    expect((await viewer.get(`/api/v1/payments/${paymentId}`)).json<{ status: string }>().status).toBe('succeeded');
  });

  it('credits nothing when the payment fails, and a new top-up is a new payment', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const first = (await topUp(viewer, { packId: 'pack_100' }, 'topup-fail-0001')).json<{ paymentId: string; redirectUrl: string }>();
    const second = (await topUp(viewer, { packId: 'pack_100' }, 'topup-fail-0002')).json<{ paymentId: string }>();
    expect(second.paymentId).not.toBe(first.paymentId);
    await fetch(`${first.redirectUrl}/fail`, { method: 'POST', redirect: 'manual' });
    await until('the payment to fail', async () => (await viewer.get(`/api/v1/payments/${first.paymentId}`)).json<{ status: string }>().status === 'failed');
    await until('every delivery to finish', deliveriesSettled);
    expect((await t.platform.modules.wallet.service.balances(viewer.userId ?? '')).total).toBe(0);
  });
});
