import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../../../test/support/async.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { testPostgresUrl } from '../../../test/support/db.ts';
import { registerWorkers } from '../../app.ts';
import { fixedClock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import { SANDBOX_SIGNATURE_HEADER, signWebhook } from '../../drivers/payments/index.ts';
import { sandboxPayments, sandboxWebhookDeliveries } from '../../drivers/payments/schema.ts';
import { jobs } from '../../drivers/queue/schema.ts';
import { mediaAssets } from '../media/schema.ts';
import { payments } from '../payments/schema.ts';
import { VIP_RENEWAL_QUEUE } from './index.ts';
import { vipMemberships, vipPeriods } from './schema.ts';
import { renewalReference, type VipMembershipView } from './service.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';
const DAY = 86_400_000;
const MINUTE = 60_000;

const clock = fixedClock(new Date());
let t: TestPlatform;
let base = '';

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Sessions must outlive the months the clock is moved through.
  t = await startTestPlatform({ PUBLIC_URL: base, PAYMENTS_SANDBOX_DUPLICATE_WEBHOOKS: 'true', SESSION_TTL_DAYS: '365' }, { clock });
  registerWorkers(t.platform);
  await t.app.listen({ port, host: '127.0.0.1' });
  t.platform.drivers.queue.start();
});
afterAll(async () => {
  await t.platform.drivers.queue.stop(2_000);
  await t.close();
});

const vip = () => t.platform.modules.vip.service;
const db = () => t.platform.drivers.database.db;
const iso = (ms: number) => new Date(ms).toISOString();
const deliveriesSettled = async () => (await db().select().from(jobs).where(eq(jobs.queue, 'sandbox-webhooks'))).every((j) => j.status === 'done');
const vipPaymentsOf = (userId: string) => db().select().from(payments).where(and(eq(payments.userId, userId), eq(payments.purpose, 'vip')));
const renewalsOf = async (userId: string) => (await vipPaymentsOf(userId)).filter((p) => p.reference.startsWith('renew.'));
const purchase = (viewer: TestClient, body: Record<string, unknown>, key: string) => viewer.request('POST', '/api/v1/vip/purchases', body, { 'idempotency-key': key });

async function membershipOf(viewer: TestClient): Promise<VipMembershipView | null> {
  const response = await viewer.get('/api/v1/vip');
  expect(response.statusCode).toBe(200);
  return response.json<{ membership: VipMembershipView | null }>().membership;
}

/** Buys a plan through the hosted sandbox page and waits for the webhook to record the period. */
async function buy(viewer: TestClient, planId: string, autoRenew?: boolean): Promise<string> {
  const created = await purchase(viewer, { planId, ...(autoRenew === undefined ? {} : { autoRenew }) }, newId('vipPurchase'));
  expect(created.statusCode).toBe(201);
  const { paymentId, redirectUrl } = created.json<{ paymentId: string; redirectUrl: string }>();
  expect(redirectUrl.startsWith(`${base}/api/v1/payments/sandbox/pay/`)).toBe(true);
  const paid = await fetch(`${redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' });
  expect(paid.status).toBe(303);
  await until('the period to be recorded', async () => (await vip().membership(viewer.userId ?? ''))?.periods.some((p) => p.paymentId === paymentId));
  await until('every delivery to finish', deliveriesSettled);
  return paymentId;
}

describe(`VIP memberships (${label})`, () => {
  it('a purchase through the hosted page makes the membership active for the plan; renewal is off; repeated webhooks add nothing', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const anonymous = await new TestClient(t.app).get('/api/v1/vip');
    expect(anonymous.json()).toEqual({
      plans: [
        { id: 'weekly', days: 7, priceMinor: 299, currency: 'USD' },
        { id: 'monthly', days: 30, priceMinor: 999, currency: 'USD' },
      ],
      membership: null,
    });
    expect(await membershipOf(viewer)).toBeNull();

    const start = clock.now().getTime();
    const paymentId = await buy(viewer, 'weekly');
    const membership = await membershipOf(viewer);
    expect(membership).toMatchObject({ active: true, planId: 'weekly', periodStart: iso(start), periodEnd: iso(start + 7 * DAY), autoRenew: false, cancelled: false, renewsAt: null });
    expect(membership?.periods).toHaveLength(1);
    expect(membership?.periods[0]).toMatchObject({ paymentId, source: 'purchase', amountMinor: 299, currency: 'USD' });
    expect(await vip().isActive(viewer.userId ?? '')).toBe(true);

    // The provider sends the success again under a new event id (not caught by the event-id guard).
    const [payment] = await db().select().from(payments).where(eq(payments.id, paymentId));
    const body = JSON.stringify({
      id: 'sbe_replayed_success',
      type: 'payment.succeeded',
      created: Math.floor(clock.now().getTime() / 1000),
      data: { paymentId: payment?.providerPaymentId, amountMinor: 299, currency: 'USD', reference: paymentId },
    });
    const signature = signWebhook(t.config.secrets.paymentsWebhookSecret, Math.floor(clock.now().getTime() / 1000), body);
    const replayed = await fetch(`${base}/api/v1/payments/sandbox/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signature }, body });
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual({ received: true, duplicate: false });
    const after = await membershipOf(viewer);
    expect(after?.periods).toHaveLength(1);
    expect(after?.periodEnd).toBe(iso(start + 7 * DAY));
    // The sandbox delivered every event twice; one period all the same.
    const deliveries = await db().select().from(jobs).where(eq(jobs.queue, 'sandbox-webhooks'));
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
  });

  it('buying again while active queues the new period after the current end', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const start = clock.now().getTime();
    await buy(viewer, 'weekly');
    clock.advance(2 * DAY);
    await buy(viewer, 'monthly', true);
    const membership = await membershipOf(viewer);
    expect(membership).toMatchObject({ active: true, planId: 'monthly', periodStart: iso(start), periodEnd: iso(start + 37 * DAY), autoRenew: true });
    expect(membership?.periods.map((p) => [p.planId, p.startsAt, p.endsAt])).toEqual([
      ['weekly', iso(start), iso(start + 7 * DAY)],
      ['monthly', iso(start + 7 * DAY), iso(start + 37 * DAY)],
    ]);
    expect(membership?.renewsAt).toBe(iso(start + 37 * DAY - t.platform.modules.vip.service.renewal.leadMs));
  });

  it('with renewal off, nothing is charged at period end and the membership lapses', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const start = clock.now().getTime();
    await buy(viewer, 'weekly');
    clock.set(new Date(start + 7 * DAY - 5 * MINUTE));
    await vip().renewDue(clock.now());
    expect(await vip().isActive(userId)).toBe(true);
    clock.set(new Date(start + 7 * DAY));
    expect(await vip().isActive(userId)).toBe(false);
    await vip().renewDue(clock.now());
    clock.advance(DAY / 2);
    await vip().renewDue(clock.now());
    expect(await vipPaymentsOf(userId)).toHaveLength(1);
    expect(await membershipOf(viewer)).toMatchObject({ active: false, periodEnd: iso(start + 7 * DAY), autoRenew: false, renewsAt: null });
    expect((await viewer.put('/api/v1/vip/auto-renew', { autoRenew: true })).json<{ code: string }>().code).toBe('INVALID_STATE');
  });

  it('with renewal on, concurrent renewal runs charge one off-session payment and the period extends after the webhook', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const start = clock.now().getTime();
    await buy(viewer, 'weekly');
    expect((await viewer.put('/api/v1/vip/auto-renew', { autoRenew: true })).json()).toMatchObject({ autoRenew: true, cancelled: false });
    const end = start + 7 * DAY;

    clock.set(new Date(end - 3 * 60 * MINUTE));
    await vip().renewDue(clock.now());
    expect(await renewalsOf(userId)).toHaveLength(0);

    clock.set(new Date(end - 10 * MINUTE));
    await Promise.all(Array.from({ length: 8 }, () => vip().renewDue(clock.now())));
    const renewals = await renewalsOf(userId);
    expect(renewals).toHaveLength(1);
    const renewal = renewals[0];
    expect(renewal).toMatchObject({ amountMinor: 299, currency: 'USD' });
    const intents = await db().select().from(sandboxPayments).where(eq(sandboxPayments.reference, renewal?.id ?? ''));
    expect(intents.map((i) => i.status)).toEqual(['succeeded']);
    await until('the renewed period', async () => (await vip().membership(userId))?.periods.length === 2);
    await until('every delivery to finish', deliveriesSettled);
    const successEvents = await db().select().from(sandboxWebhookDeliveries).where(eq(sandboxWebhookDeliveries.paymentId, intents[0]?.id ?? ''));
    expect(successEvents.map((e) => e.eventType)).toEqual(['payment.succeeded']);
    const membership = await membershipOf(viewer);
    expect(membership?.periods[1]).toMatchObject({ source: 'renewal', paymentId: renewal?.id, startsAt: iso(end), endsAt: iso(end + 7 * DAY) });
    expect(membership).toMatchObject({ active: true, periodEnd: iso(end + 7 * DAY), autoRenew: true });
    expect((await viewer.get(`/api/v1/payments/${renewal?.id}`)).json<{ status: string }>().status).toBe('succeeded');

    // The next run in the same window finds nothing due any more.
    await vip().renewDue(clock.now());
    expect(await renewalsOf(userId)).toHaveLength(1);

    // Turned off before the next end: the membership runs out uncharged.
    expect((await viewer.put('/api/v1/vip/auto-renew', { autoRenew: false })).json()).toMatchObject({ autoRenew: false, active: true });
    clock.set(new Date(end + 7 * DAY - 5 * MINUTE));
    await vip().renewDue(clock.now());
    expect(await renewalsOf(userId)).toHaveLength(1);
  });

  it('records an off-session success whose webhook arrives before the provider id was stored', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    await buy(viewer, 'weekly', true);
    const periodEnd = new Date((await vip().membership(userId))?.periodEnd ?? '');
    // As if the sandbox's webhook beat createPayment's update of providerPaymentId.
    const paymentId = newId('payment');
    await db().insert(payments).values({ id: paymentId, purpose: 'vip', reference: renewalReference(userId, periodEnd, 'weekly'), userId, amountMinor: 299, currency: 'USD', description: 'VIP weekly renewal', provider: 'sandbox' });
    const now = Math.floor(clock.now().getTime() / 1000);
    const body = JSON.stringify({ id: 'sbe_early_success', type: 'payment.succeeded', created: now, data: { paymentId: 'sbp_early', amountMinor: 299, currency: 'USD', reference: paymentId } });
    const response = await fetch(`${base}/api/v1/payments/sandbox/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signWebhook(t.config.secrets.paymentsWebhookSecret, now, body) },
      body,
    });
    expect(response.status).toBe(200);
    const [linked] = await db().select().from(payments).where(eq(payments.id, paymentId));
    expect(linked).toMatchObject({ providerPaymentId: 'sbp_early', status: 'succeeded' });
    const membership = await vip().membership(userId);
    expect(membership?.periods.at(-1)).toMatchObject({ paymentId, source: 'renewal', startsAt: periodEnd.toISOString(), endsAt: iso(periodEnd.getTime() + 7 * DAY) });
  });

  it('cancelling is one call: renewal off, access until periodEnd, then it lapses and nothing renews', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const start = clock.now().getTime();
    await buy(viewer, 'weekly', true);
    expect(await membershipOf(viewer)).toMatchObject({ autoRenew: true, cancelled: false });
    const cancelled = await viewer.post('/api/v1/vip/cancel');
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ active: true, autoRenew: false, cancelled: true, periodEnd: iso(start + 7 * DAY), renewsAt: null });
    const [row] = await db().select().from(vipMemberships).where(eq(vipMemberships.userId, userId));
    expect(row?.cancelledAt?.toISOString()).toBe(iso(start));
    // Changing one's mind: renewal back on withdraws the cancellation; cancelling again is one call again.
    expect((await viewer.put('/api/v1/vip/auto-renew', { autoRenew: true })).json()).toMatchObject({ autoRenew: true, cancelled: false });
    expect((await viewer.post('/api/v1/vip/cancel')).json()).toMatchObject({ autoRenew: false, cancelled: true, active: true });

    clock.set(new Date(start + 7 * DAY - 5 * MINUTE));
    expect(await vip().isActive(userId)).toBe(true);
    await vip().renewDue(clock.now());
    clock.set(new Date(start + 7 * DAY + 1000));
    expect(await vip().isActive(userId)).toBe(false);
    await vip().renewDue(clock.now());
    expect(await renewalsOf(userId)).toHaveLength(0);
    expect(await membershipOf(viewer)).toMatchObject({ active: false, cancelled: true });
  });

  it('a VIP series plays for an active member and answers ENTITLEMENT_REQUIRED after expiry', async () => {
    const producer = await new TestClient(t.app).signUp('creator');
    const seriesId = (await producer.post('/api/v1/series', { title: 'VIP drama', synopsis: 'Members only' })).json<{ id: string }>().id;
    expect((await producer.patch(`/api/v1/series/${seriesId}`, { inVip: true })).statusCode).toBe(200);
    const episode = (await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: 1, title: 'Locked', priceCoins: 50 })).json<{ id: string }>();
    const assetId = newId('asset');
    await db().insert(mediaAssets).values({ id: assetId, episodeId: episode.id, uploaderId: producer.userId ?? '', status: 'ready', masterPlaylist: 'master.m3u8' });
    await t.platform.modules.catalog.service.setEpisodeMedia(episode.id, { status: 'ready', assetId, durationMs: 6000 });
    expect((await producer.post(`/api/v1/episodes/${episode.id}/publish`)).statusCode).toBe(200);
    expect((await producer.post(`/api/v1/series/${seriesId}/publish`)).statusCode).toBe(200);
    const playback = `/api/v1/episodes/${episode.id}/playback`;

    const member = await new TestClient(t.app).signUp('viewer');
    const before = await member.get(playback);
    expect(before.statusCode).toBe(403);
    expect(before.json()).toMatchObject({ code: 'ENTITLEMENT_REQUIRED', unlock: { vip: { inVip: true, active: false } } });
    expect(before.json<{ unlock: { vip: { plans: unknown[] } } }>().unlock.vip.plans).toHaveLength(2);

    const start = clock.now().getTime();
    await buy(member, 'weekly');
    expect((await member.get(playback)).statusCode).toBe(200);
    const access = (await member.get(`/api/v1/series/${seriesId}/access`)).json<{ episodes: { id: string; state: string }[] }>();
    expect(access.episodes.find((e) => e.id === episode.id)?.state).toBe('vip');
    expect((await new TestClient(t.app).signUp('viewer').then((v) => v.get(playback))).statusCode).toBe(403);

    clock.set(new Date(start + 7 * DAY));
    const after = await member.get(playback);
    expect(after.statusCode).toBe(403);
    expect(after.json()).toMatchObject({ code: 'ENTITLEMENT_REQUIRED', unlock: { vip: { inVip: true, active: false } } });

    // Membership covers VIP series only.
    await buy(member, 'weekly');
    expect((await member.get(playback)).statusCode).toBe(200);
    expect((await producer.patch(`/api/v1/series/${seriesId}`, { inVip: false })).statusCode).toBe(200);
    expect((await member.get(playback)).statusCode).toBe(403);
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const viewer = await new TestClient(t.app).signUp('viewer');
    const userId = viewer.userId ?? '';
    const missingKey = await viewer.post('/api/v1/vip/purchases', { planId: 'weekly' });
    expect(missingKey.statusCode).toBe(400);
    expect(missingKey.json<{ code: string }>().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const cases: [Record<string, unknown>, string][] = [
      [{ planId: 'yearly' }, 'vip-bad-plan-01'],
      [{ planId: 'weekly', autoRenew: 'yes' }, 'vip-bad-renew-1'],
      [{ planId: 'weekly', autoRenew: 1 }, 'vip-bad-renew-2'],
      [{ planId: 'weekly', returnUrl: 'https://evil.example/x' }, 'vip-bad-return1'],
      [{ planId: 'weekly', extra: true }, 'vip-bad-extra-01'],
    ];
    for (const [body, key] of cases) {
      const response = await purchase(viewer, body, key);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    const anonymous = await new TestClient(t.app).request('POST', '/api/v1/vip/purchases', { planId: 'weekly' }, { 'idempotency-key': 'vip-anon-key-01' });
    expect(anonymous.statusCode).toBe(401);
    const notBoolean = await viewer.put('/api/v1/vip/auto-renew', { autoRenew: 'true' });
    expect(notBoolean.statusCode).toBe(400);
    expect(notBoolean.headers['content-type']).toContain('application/problem+json');
    expect((await viewer.put('/api/v1/vip/auto-renew', { autoRenew: true })).statusCode).toBe(404);
    expect((await viewer.post('/api/v1/vip/cancel')).statusCode).toBe(404);

    expect(await vipPaymentsOf(userId)).toHaveLength(0);
    expect(await db().select().from(vipMemberships).where(eq(vipMemberships.userId, userId))).toHaveLength(0);
    expect(await db().select().from(vipPeriods).where(eq(vipPeriods.userId, userId))).toHaveLength(0);
    expect(await membershipOf(viewer)).toBeNull();
  });

  it('documents the VIP routes in the OpenAPI schema under the vip tag', async () => {
    const spec = (await new TestClient(t.app).get('/api/openapi.json')).json<{ paths: Record<string, Record<string, { tags?: string[]; responses?: Record<string, unknown> }>> }>();
    const routes: [string, string, string][] = [
      ['/api/v1/vip', 'get', '200'],
      ['/api/v1/vip/purchases', 'post', '201'],
      ['/api/v1/vip/auto-renew', 'put', '200'],
      ['/api/v1/vip/cancel', 'post', '200'],
    ];
    for (const [path, method, status] of routes) {
      const operation = spec.paths[path]?.[method];
      expect(operation?.tags, path).toEqual(['vip']);
      expect(operation?.responses?.[status], path).toBeDefined();
    }
  });

  it('the worker schedules the renewal job at start and each run schedules the next', async () => {
    const done = await until('a renewal run to finish', async () => {
      const rows = await db().select().from(jobs).where(eq(jobs.queue, VIP_RENEWAL_QUEUE));
      return rows.some((j) => j.status === 'done') ? rows : null;
    });
    const slots = done.map((j) => Number(j.dedupeKey?.split(':')[1]));
    const finished = done.filter((j) => j.status === 'done').map((j) => Number(j.dedupeKey?.split(':')[1]));
    expect(Math.max(...slots)).toBeGreaterThan(Math.max(...finished));
    expect(done.filter((j) => j.status === 'queued')).toHaveLength(1);
  });
});
