import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testPostgresUrl, type TestDatabase } from '../../../test/support/db.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { fixedClock } from '../../core/clock.ts';
import { AppError, isAppError } from '../../core/errors.ts';
import { installAccessControl } from '../../http/access.ts';
import { installProblemHandlers } from '../../http/problem.ts';
import type { HttpApp } from '../../http/types.ts';
import { createPaymentsModule } from '../../modules/payments/index.ts';
import type { PaymentsService } from '../../modules/payments/service.ts';
import type { PaymentProvider } from './port.ts';
import { createStripeProvider } from './stripe.ts';

const SECRET_KEY = 'sk_test_unit_key';
const WEBHOOK_SECRET = 'whsec_unit_stripe';
const NOW = 1_800_000_000;
const clock = fixedClock(new Date(NOW * 1000));

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

/** Answers the few Stripe endpoints the driver calls, with Stripe's idempotency on Idempotency-Key. */
async function startFakeStripe(): Promise<{ server: Server; base: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const sessions = new Map<string, Record<string, unknown>>();
  const byKey = new Map<string, string>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0] ?? '';
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const key = request.headers['idempotency-key'];
      requests.push({ method: request.method ?? '', path, headers: request.headers, form });
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (typeof key === 'string' && key.startsWith('clash')) {
        send(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters' } });
      } else if (request.method === 'POST' && path === '/v1/checkout/sessions') {
        const id = (typeof key === 'string' && byKey.get(key)) || `cs_test_${sessions.size + 1}`;
        if (typeof key === 'string') byKey.set(key, id);
        const session = {
          id,
          object: 'checkout.session',
          mode: 'payment',
          status: 'open',
          payment_status: 'unpaid',
          payment_intent: null,
          client_reference_id: form.get('client_reference_id'),
          amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
          currency: form.get('line_items[0][price_data][currency]'),
          url: `https://checkout.stripe.com/c/pay/${id}`,
        };
        sessions.set(id, session);
        send(200, session);
      } else if (request.method === 'GET' && path.startsWith('/v1/checkout/sessions/')) {
        const session = sessions.get(path.slice('/v1/checkout/sessions/'.length));
        if (!session) send(404, { error: { type: 'invalid_request_error', message: 'No such checkout.session' } });
        else send(200, { ...session, status: 'complete', payment_status: 'paid', payment_intent: `pi_for_${String(session.id)}` });
      } else if (request.method === 'POST' && path === '/v1/refunds') {
        send(200, { id: `re_${requests.length}`, object: 'refund', status: 'pending', amount: Number(form.get('amount')), currency: 'cny', payment_intent: form.get('payment_intent') });
      } else {
        send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${request.method} ${path})` } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, requests };
}

function signed(payload: string, options: { timestamp?: number; secret?: string } = {}): Record<string, string> {
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, timestamp: options.timestamp ?? NOW });
  return { 'stripe-signature': header };
}

function stripeEvent(id: string, type: string, object: Record<string, unknown>): string {
  return JSON.stringify({ id, object: 'event', api_version: '2026-10-28.endive', created: NOW - 5, livemode: false, type, data: { object } });
}

function session(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'cs_test_a1',
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    amount_total: 1999,
    currency: 'cny',
    client_reference_id: 'pay_1',
    metadata: { dualstreamPaymentId: 'pay_1', purpose: 'coin_pack' },
    payment_intent: 'pi_1',
    ...overrides,
  };
}

function refundObject(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 're_1',
    object: 'refund',
    amount: 500,
    currency: 'cny',
    status: 'succeeded',
    payment_intent: 'pi_1',
    metadata: { refundReference: 'rfd_1', dualstreamPaymentId: 'pay_1', checkoutSessionId: 'cs_test_a1' },
    ...overrides,
  };
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('stripe webhooks (signed by the SDK)', () => {
  const provider = createStripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, toleranceSeconds: 300, clock, apiBase: 'http://127.0.0.1:9' });
  const verify = (payload: string, headers: Record<string, string>) => provider.verifyWebhook(Buffer.from(payload), headers);

  it('maps a paid checkout.session.completed to payment.succeeded naming the session and our payment', () => {
    const body = stripeEvent('evt_paid', 'checkout.session.completed', session());
    expect(verify(body, signed(body))).toEqual({
      id: 'evt_paid',
      type: 'payment.succeeded',
      providerPaymentId: 'cs_test_a1',
      amountMinor: 1999,
      currency: 'CNY',
      createdAt: new Date((NOW - 5) * 1000),
      data: { reference: 'pay_1', stripeEvent: 'checkout.session.completed', paymentStatus: 'paid', paymentIntent: 'pi_1' },
    });
  });

  it('maps async success, async failure and expiry; an unpaid completion waits for its async outcome', () => {
    const cases: [string, Record<string, unknown>, string | null][] = [
      ['checkout.session.async_payment_succeeded', session(), 'payment.succeeded'],
      ['checkout.session.async_payment_failed', session({ payment_status: 'unpaid' }), 'payment.failed'],
      ['checkout.session.expired', session({ status: 'expired', payment_status: 'unpaid', payment_intent: null }), 'payment.failed'],
      ['checkout.session.completed', session({ payment_status: 'unpaid' }), null],
    ];
    for (const [type, object, expected] of cases) {
      const body = stripeEvent(`evt_${type}`, type, object);
      expect(verify(body, signed(body))?.type ?? null, type).toBe(expected);
    }
  });

  it('maps a succeeded refund.created / refund.updated to one refund.succeeded keyed by the refund', () => {
    const created = stripeEvent('evt_r1', 'refund.created', refundObject());
    const updated = stripeEvent('evt_r2', 'refund.updated', refundObject());
    const first = verify(created, signed(created));
    expect(first).toMatchObject({
      id: 're_1:succeeded',
      type: 'refund.succeeded',
      providerPaymentId: 'cs_test_a1',
      amountMinor: 500,
      currency: 'CNY',
      data: { reference: 'pay_1', refundReference: 'rfd_1', refundId: 're_1', stripeEventId: 'evt_r1' },
    });
    expect(verify(updated, signed(updated))?.id).toBe(first?.id);
    const pending = stripeEvent('evt_r3', 'refund.created', refundObject({ status: 'pending' }));
    expect(verify(pending, signed(pending))).toBeNull();
  });

  it('answers null (acknowledge, ignore) for other verified events and for sessions that are not ours', () => {
    const other = stripeEvent('evt_c', 'customer.created', { id: 'cus_1', object: 'customer' });
    const charge = stripeEvent('evt_ch', 'charge.refunded', { id: 'ch_1', object: 'charge', amount_refunded: 500 });
    const subscription = stripeEvent('evt_s', 'checkout.session.completed', session({ mode: 'subscription' }));
    const foreign = stripeEvent('evt_f', 'checkout.session.completed', session({ client_reference_id: null, metadata: {} }));
    for (const body of [other, charge, subscription, foreign]) expect(verify(body, signed(body))).toBeNull();
  });

  it('refuses a tampered body, another secret, a missing header and timestamps beyond the tolerance either way', () => {
    const body = stripeEvent('evt_paid', 'checkout.session.completed', session());
    const attempt = (payload: string, headers: Record<string, string>) => codeOf(() => verify(payload, headers));
    expect(attempt(body.replace('1999', '1'), signed(body))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(attempt(body, signed(body, { secret: 'whsec_someone_else' }))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(attempt(body, {})).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(attempt(body, { 'stripe-signature': 'garbage' })).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(attempt(body, signed(body, { timestamp: NOW - 300 }))).toBe('accepted');
    expect(attempt(body, signed(body, { timestamp: NOW + 300 }))).toBe('accepted');
    // The SDK itself only refuses old timestamps; the future check is ours.
    expect(attempt(body, signed(body, { timestamp: NOW - 301 }))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(attempt(body, signed(body, { timestamp: NOW + 301 }))).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(attempt('{not json', signed('{not json'))).toBe('BAD_REQUEST');
  });
});

describe('stripe API requests (SDK against a local server)', () => {
  let fake: Awaited<ReturnType<typeof startFakeStripe>>;
  let provider: PaymentProvider;

  beforeAll(async () => {
    fake = await startFakeStripe();
    provider = createStripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, toleranceSeconds: 300, clock, apiBase: fake.base });
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  it('creates a payment-mode Checkout Session carrying our reference, keyed on it for idempotency', async () => {
    const input = {
      amountMinor: 1999,
      currency: 'CNY',
      reference: 'pay_abc',
      description: '100 coins',
      returnUrl: 'https://example.test/return',
      metadata: { purpose: 'coin_pack', reference: 'pack_1' },
    };
    const created = await provider.createIntent(input);
    expect(created).toEqual({ providerPaymentId: 'cs_test_1', redirectUrl: 'https://checkout.stripe.com/c/pay/cs_test_1', status: 'requires_payment' });
    const request = fake.requests.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/checkout/sessions');
    expect(request?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(request?.headers['idempotency-key']).toBe('pay_abc');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'cny',
      'line_items[0][price_data][unit_amount]': '1999',
      'line_items[0][price_data][product_data][name]': '100 coins',
      success_url: 'https://example.test/return',
      cancel_url: 'https://example.test/return',
      client_reference_id: 'pay_abc',
      'metadata[purpose]': 'coin_pack',
      'metadata[reference]': 'pack_1',
      'metadata[dualstreamPaymentId]': 'pay_abc',
      'payment_intent_data[metadata][purpose]': 'coin_pack',
      'payment_intent_data[metadata][reference]': 'pack_1',
      'payment_intent_data[metadata][dualstreamPaymentId]': 'pay_abc',
    });
    // A retried create sends the same key and gets the same session back.
    expect((await provider.createIntent(input)).providerPaymentId).toBe('cs_test_1');
    expect(fake.requests.at(-1)?.headers['idempotency-key']).toBe('pay_abc');
  });

  it('refunds the session\'s PaymentIntent with our refund reference as idempotency key and metadata', async () => {
    const before = fake.requests.length;
    const refund = await provider.refund({ providerPaymentId: 'cs_test_1', amountMinor: 500, reference: 'rfd_9' });
    expect(refund.status).toBe('pending');
    const [retrieve, create] = fake.requests.slice(before);
    expect(retrieve?.method).toBe('GET');
    expect(retrieve?.path).toBe('/v1/checkout/sessions/cs_test_1');
    expect(create?.path).toBe('/v1/refunds');
    expect(create?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(create?.headers['idempotency-key']).toBe('rfd_9');
    expect(Object.fromEntries(create?.form ?? [])).toEqual({
      payment_intent: 'pi_for_cs_test_1',
      amount: '500',
      'metadata[refundReference]': 'rfd_9',
      'metadata[checkoutSessionId]': 'cs_test_1',
      'metadata[dualstreamPaymentId]': 'pay_abc',
    });
  });

  it('refuses off-session charges without calling Stripe, and maps an idempotency clash to CONFLICT', async () => {
    const before = fake.requests.length;
    const base = { amountMinor: 100, currency: 'CNY', description: 'VIP', returnUrl: 'https://example.test/r', metadata: {} };
    await expect(provider.createIntent({ ...base, reference: 'pay_renew', offSession: true })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(fake.requests.length).toBe(before);
    await expect(provider.createIntent({ ...base, reference: 'clash_1' })).rejects.toSatisfy((error: unknown) => error instanceof AppError && error.code === 'CONFLICT');
  });
});

describe('stripe through the payments module and webhook route', () => {
  let fake: Awaited<ReturnType<typeof startFakeStripe>>;
  let database: TestDatabase;
  let app: HttpApp;
  let payments: PaymentsService;

  beforeAll(async () => {
    fake = await startFakeStripe();
    database = await openTestDatabase();
    const stripe = createStripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, toleranceSeconds: 300, clock, apiBase: fake.base });
    const module = createPaymentsModule({ db: database.db, clock, providers: { stripe }, defaultProvider: 'stripe' });
    payments = module.service;
    app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    installProblemHandlers(app);
    installAccessControl(app, async () => ({ userId: null, role: null, deviceId: 'dev_test', viewerKey: 'dev_test', via: 'anonymous', csrfToken: null }));
    module.registerRoutes(app);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
    await new Promise<void>((resolve) => fake.server.close(() => resolve()));
  });

  const post = (payload: string, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/api/v1/payments/stripe/webhook', payload, headers: { 'content-type': 'application/json', ...headers } });

  it(`pays, ignores, refunds once and refuses bad signatures (${testPostgresUrl() ? 'postgres' : 'pglite'})`, async () => {
    const { paymentId } = await payments.createPayment({ purpose: 'coin_pack', reference: 'pack_e2e', userId: 'usr_1', amountMinor: 1999, currency: 'CNY', description: 'Coins', returnUrl: 'https://example.test/r' });
    const view = () => payments.getPayment({ userId: 'usr_1', role: 'viewer', deviceId: 'd', viewerKey: 'usr_1', via: 'token', csrfToken: null }, paymentId);
    const sessionId = (await view()).redirectUrl?.split('/').at(-1) ?? '';

    const paid = stripeEvent('evt_e2e_paid', 'checkout.session.completed', session({ id: sessionId, client_reference_id: paymentId, payment_intent: `pi_for_${sessionId}` }));
    expect((await post(paid, signed(paid))).json()).toEqual({ received: true, duplicate: false });
    expect((await view()).status).toBe('succeeded');

    const ignored = stripeEvent('evt_e2e_other', 'payment_intent.created', { id: 'pi_x', object: 'payment_intent' });
    const ignoredResponse = await post(ignored, signed(ignored));
    expect(ignoredResponse.statusCode).toBe(200);
    expect(await payments.countEvents()).toBe(1);

    await payments.refund(paymentId, 500, 'rfd_e2e');
    const metadata = Object.fromEntries([...(fake.requests.at(-1)?.form ?? [])].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));
    const refunded = stripeEvent('evt_e2e_r1', 'refund.created', refundObject({ id: 're_e2e', payment_intent: `pi_for_${sessionId}`, metadata }));
    const again = stripeEvent('evt_e2e_r2', 'refund.updated', refundObject({ id: 're_e2e', payment_intent: `pi_for_${sessionId}`, metadata }));
    expect((await post(refunded, signed(refunded))).json()).toEqual({ received: true, duplicate: false });
    expect((await post(again, signed(again))).json()).toEqual({ received: true, duplicate: true });
    expect(await view()).toMatchObject({ status: 'partially_refunded', refundedMinor: 500 });

    const bad = await post(paid, signed(paid, { secret: 'whsec_wrong' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
  });
});

describe('stripe configuration', () => {
  let dataDir = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ds-stripe-config-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: dataDir, ...env });

  it('fails fast when PAYMENTS_PROVIDER=stripe lacks a secret, naming what is missing', () => {
    expect(() => load({ PAYMENTS_PROVIDER: 'stripe' })).toThrow(ConfigError);
    expect(() => load({ PAYMENTS_PROVIDER: 'stripe' })).toThrow(/STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET/);
    expect(() => load({ PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY })).toThrow(/needs STRIPE_WEBHOOK_SECRET \(/);
    expect(() => load({ STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET })).toThrow(/half configured: set STRIPE_SECRET_KEY/);
    expect(() => load({ PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'pk_test_x', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET })).toThrow(/publishable/);
    expect(() => load({ PAYMENTS_PROVIDER: 'paypal' })).toThrow(/sandbox or stripe/);
  });

  it('takes both secrets, and leaves Stripe off when neither is set', () => {
    const config = load({ PAYMENTS_PROVIDER: 'stripe', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    expect(config.payments).toMatchObject({ provider: 'stripe', stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET } });
    expect(load({}).payments).toMatchObject({ provider: 'sandbox', stripe: null });
  });
});
