import Stripe from 'stripe';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { CreateIntentInput, CreatedIntent, CreatedRefund, IntentStatus, PaymentProvider, ProviderEvent, RefundInput, RefundStatus, WebhookHeaders } from './port.ts';
import { headerValue } from './signature.ts';

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

/** Metadata keys we put on Stripe objects; read back from webhook events. */
const META_PAYMENT = 'dualstreamPaymentId';
const META_REFUND = 'refundReference';
const META_SESSION = 'checkoutSessionId';

export interface StripeProviderOptions {
  secretKey: string;
  webhookSecret: string;
  toleranceSeconds: number;
  /** Another API origin (`http://127.0.0.1:12111`): stripe-mock or a test server. Default: api.stripe.com. */
  apiBase?: string;
  clock?: Clock;
  log?: Logger;
}

function apiOrigin(apiBase: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

function intentStatus(session: Stripe.Checkout.Session): IntentStatus {
  if (session.payment_status === 'paid') return 'succeeded';
  return session.status === 'expired' ? 'failed' : 'requires_payment';
}

function refundStatus(status: string | null): RefundStatus {
  if (status === 'succeeded') return 'succeeded';
  return status === 'failed' || status === 'canceled' ? 'failed' : 'pending';
}

/** The `t=` of a Stripe-Signature header, or null. */
function signedAt(header: string): number | null {
  const match = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header);
  return match?.[1] ? Number(match[1]) : null;
}

/** Our payment id on a session we created: the client reference, or the metadata copy. */
function ourPaymentId(session: Stripe.Checkout.Session): string | null {
  return session.client_reference_id ?? session.metadata?.[META_PAYMENT] ?? null;
}

/**
 * Stripe through its official SDK. Our intent is a Checkout Session in payment mode (its `url` is the
 * hosted page), and providerPaymentId is the session id: the session's PaymentIntent does not exist
 * until the buyer confirms on that page, so the session id is the only one we can store at create
 * time, and every event we map names the session (refunds carry it in their metadata).
 */
export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  const clock = options.clock ?? systemClock;
  // The SDK pins its own API version; the webhook endpoint in the dashboard must use the same one.
  const stripe = new Stripe(options.secretKey, {
    // Every POST we make carries an idempotency key, so the SDK's retries cannot charge or refund twice.
    maxNetworkRetries: 2,
    timeout: 30_000,
    ...apiOrigin(options.apiBase),
  });

  function conflictOnIdempotency(error: unknown): never {
    if (error instanceof stripe.errors.StripeIdempotencyError) {
      throw new AppError('CONFLICT', 'Stripe already has a request with this reference and other parameters');
    }
    throw error;
  }

  async function createIntent(input: CreateIntentInput): Promise<CreatedIntent> {
    if (input.offSession) {
      throw new AppError('INVALID_STATE', 'Stripe cannot charge off-session here: no Stripe customer or saved payment method is kept; renewals run on the sandbox provider');
    }
    if (!Number.isInteger(input.amountMinor) || input.amountMinor <= 0) throw new AppError('VALIDATION_FAILED', 'amountMinor must be a positive integer');
    const metadata = { ...input.metadata, [META_PAYMENT]: input.reference };
    const session = await stripe.checkout.sessions
      .create(
        {
          mode: 'payment',
          line_items: [
            { quantity: 1, price_data: { currency: input.currency.toLowerCase(), unit_amount: input.amountMinor, product_data: { name: input.description } } },
          ],
          success_url: input.returnUrl,
          cancel_url: input.returnUrl,
          client_reference_id: input.reference,
          metadata,
          payment_intent_data: { metadata },
        },
        // A retried create (same payment id) gets the first session back, for 24 h; after that the service already stored it.
        { idempotencyKey: input.reference },
      )
      .catch(conflictOnIdempotency);
    if (!session.url) throw new Error(`Stripe Checkout Session ${session.id} has no hosted page URL`);
    return { providerPaymentId: session.id, redirectUrl: session.url, status: intentStatus(session) };
  }

  async function refund(input: RefundInput): Promise<CreatedRefund> {
    if (!Number.isInteger(input.amountMinor) || input.amountMinor <= 0) throw new AppError('VALIDATION_FAILED', 'amountMinor must be a positive integer');
    const metadata: Record<string, string> = { [META_REFUND]: input.reference };
    let paymentIntent = input.providerPaymentId;
    if (input.providerPaymentId.startsWith('cs_')) {
      const session = await stripe.checkout.sessions.retrieve(input.providerPaymentId);
      const intent = session.payment_intent;
      const id = typeof intent === 'string' ? intent : intent?.id;
      if (!id) throw new AppError('INVALID_STATE', 'The Checkout Session has no PaymentIntent: it was never paid');
      paymentIntent = id;
      // The refund events carry only the PaymentIntent; these name the session and our payment again.
      metadata[META_SESSION] = session.id;
      const ours = ourPaymentId(session);
      if (ours) metadata[META_PAYMENT] = ours;
    }
    const created = await stripe.refunds
      .create({ payment_intent: paymentIntent, amount: input.amountMinor, metadata }, { idempotencyKey: input.reference })
      .catch(conflictOnIdempotency);
    return { providerRefundId: created.id, status: refundStatus(created.status) };
  }

  function sessionEvent(event: Stripe.Event, session: Stripe.Checkout.Session, type: 'payment.succeeded' | 'payment.failed'): ProviderEvent | null {
    const reference = ourPaymentId(session);
    // Another integration on the same Stripe account (subscriptions, payment links) is none of ours.
    if (session.mode !== 'payment' || !reference || session.amount_total === null || !session.currency) return null;
    return {
      id: event.id,
      type,
      providerPaymentId: session.id,
      amountMinor: session.amount_total,
      currency: session.currency.toUpperCase(),
      createdAt: new Date(event.created * 1000),
      data: { reference, stripeEvent: event.type, paymentStatus: session.payment_status, paymentIntent: typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null) },
    };
  }

  function refundEvent(event: Stripe.Event, refund: Stripe.Refund): ProviderEvent | null {
    if (refund.status !== 'succeeded') return null;
    const paymentIntent = typeof refund.payment_intent === 'string' ? refund.payment_intent : (refund.payment_intent?.id ?? null);
    const session = refund.metadata?.[META_SESSION];
    const providerPaymentId = session ?? paymentIntent;
    if (!providerPaymentId) return null;
    // Made outside our API (the dashboard): nothing names our payment, so the event is recorded but matches none.
    if (!session) options.log?.warn({ refundId: refund.id, paymentIntent }, 'Stripe refund without our metadata; our books do not see it');
    const data: Record<string, unknown> = { stripeEvent: event.type, stripeEventId: event.id, refundId: refund.id, paymentIntent };
    const reference = refund.metadata?.[META_PAYMENT];
    const refundReference = refund.metadata?.[META_REFUND];
    if (reference) data.reference = reference;
    if (refundReference) data.refundReference = refundReference;
    return {
      // One refund can succeed in refund.created and again in a later refund.updated; keyed by the refund, the second is a duplicate.
      id: `${refund.id}:succeeded`,
      type: 'refund.succeeded',
      providerPaymentId,
      amountMinor: refund.amount,
      currency: refund.currency.toUpperCase(),
      createdAt: new Date(event.created * 1000),
      data,
    };
  }

  function construct(rawBody: Buffer, header: string | undefined, nowMs: number): Stripe.Event {
    if (!header) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'The Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(rawBody, header, options.webhookSecret, options.toleranceSeconds, undefined, nowMs);
    } catch (error) {
      if (error instanceof stripe.errors.StripeSignatureVerificationError) throw new AppError('WEBHOOK_SIGNATURE_INVALID', error.message.split('\n')[0] ?? 'Bad signature');
      if (error instanceof SyntaxError) throw new AppError('BAD_REQUEST', 'The webhook body is not JSON');
      throw new AppError('BAD_REQUEST', 'The webhook body is not a Stripe event');
    }
    // The SDK refuses only old timestamps; one far ahead is a forged header or a broken clock, as the sandbox holds.
    const t = signedAt(header);
    if (t === null || t - nowMs / 1000 > options.toleranceSeconds) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'The signature timestamp is ahead of now by more than the tolerance');
    }
    return event;
  }

  /**
   * Maps the events a Stripe webhook endpoint for us should subscribe to; any other verified event
   * gives null (acknowledged, not acted on). Refunds come from refund.created / refund.updated, which
   * Stripe sends for every refund since API 2024-10-28 and which carry the refund and its metadata;
   * charge.refunded only has the charge's running total.
   */
  function verifyWebhook(rawBody: Buffer, headers: WebhookHeaders): ProviderEvent | null {
    const event = construct(rawBody, headerValue(headers, STRIPE_SIGNATURE_HEADER), clock.now().getTime());
    // If-chains, not a switch: the SDK's event union has hundreds of members we rightly ignore.
    if (event.type === 'checkout.session.completed') {
      // A delayed method (bank debit) completes unpaid; its outcome is an async_payment_* event later.
      return event.data.object.payment_status === 'paid' ? sessionEvent(event, event.data.object, 'payment.succeeded') : null;
    }
    if (event.type === 'checkout.session.async_payment_succeeded') return sessionEvent(event, event.data.object, 'payment.succeeded');
    if (event.type === 'checkout.session.async_payment_failed' || event.type === 'checkout.session.expired') {
      return sessionEvent(event, event.data.object, 'payment.failed');
    }
    if (event.type === 'refund.created' || event.type === 'refund.updated') return refundEvent(event, event.data.object);
    return null;
  }

  return { name: 'stripe', createIntent, refund, verifyWebhook };
}
