import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../db/types.ts';
import type { Queue } from '../queue/port.ts';
import type { CreateIntentInput, CreatedIntent, CreatedRefund, PaymentProvider, RefundInput, WebhookHeaders } from './port.ts';
import { sandboxPayments, sandboxRefunds, sandboxWebhookDeliveries } from './schema.ts';
import type { SandboxEventBody } from './sandbox-event.ts';
import { parseSandboxEvent } from './sandbox-event.ts';
import { headerValue, signWebhook, verifyWebhookSignature } from './signature.ts';

export const SANDBOX_PAGE_PATH = '/api/v1/payments/sandbox/pay';
export const SANDBOX_WEBHOOK_QUEUE = 'sandbox-webhooks';
export const SANDBOX_SIGNATURE_HEADER = 'sandbox-signature';
const DELIVERY_MAX_ATTEMPTS = 15;
const DELIVERY_TIMEOUT_MS = 10_000;

export interface SandboxDeps {
  db: Db;
  queue: Queue;
  clock: Clock;
  webhookSecret: string;
  toleranceSeconds: number;
  /** Where the sandbox POSTs its webhooks: `${PUBLIC_URL}/api/v1/payments/sandbox/webhook`. */
  webhookUrl: string;
  /** The hosted page's base: `${PUBLIC_URL}/api/v1/payments/sandbox/pay`. */
  hostedPageBase: string;
  /** Enqueue every webhook twice, as real providers sometimes deliver one event more than once. */
  duplicateWebhooks: boolean;
  log?: Logger;
}

export type SandboxOutcome = 'succeed' | 'fail';

export interface SandboxIntentView {
  id: string;
  amountMinor: number;
  currency: string;
  description: string;
  returnUrl: string;
  status: 'requires_payment' | 'succeeded' | 'failed';
}

export interface SandboxProvider extends PaymentProvider {
  /** What the hosted page shows. */
  intent(id: string): Promise<SandboxIntentView>;
  /** The buyer pressed Pay or Fail; returns the intent (its returnUrl) whatever its state was. */
  complete(id: string, outcome: SandboxOutcome): Promise<SandboxIntentView>;
  /** Runs the webhook delivery jobs (in the worker). */
  registerJobs(queue: Queue): void;
}

/** A provider living in our process and database that talks to us only over HTTP, like a remote one. */
export function createSandboxProvider(deps: SandboxDeps): SandboxProvider {
  const { db, clock } = deps;

  async function emit(tx: DbOrTx, body: Omit<SandboxEventBody, 'id' | 'created'>): Promise<void> {
    const id = newId('sandboxEvent');
    const event: SandboxEventBody = { id, created: Math.floor(clock.now().getTime() / 1000), ...body };
    await tx.insert(sandboxWebhookDeliveries).values({ id, eventType: body.type, paymentId: body.data.paymentId, body: JSON.stringify(event) });
    const copies = deps.duplicateWebhooks ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      await deps.queue.enqueue(SANDBOX_WEBHOOK_QUEUE, { deliveryId: id }, { tx, maxAttempts: DELIVERY_MAX_ATTEMPTS });
    }
  }

  async function createIntent(input: CreateIntentInput): Promise<CreatedIntent> {
    if (!Number.isInteger(input.amountMinor) || input.amountMinor <= 0) throw new AppError('VALIDATION_FAILED', 'amountMinor must be a positive integer');
    const [inserted] = await db
      .insert(sandboxPayments)
      .values({
        id: newId('sandboxPayment'),
        reference: input.reference,
        amountMinor: input.amountMinor,
        currency: input.currency.toUpperCase(),
        description: input.description,
        returnUrl: input.returnUrl,
        metadata: input.metadata,
      })
      .onConflictDoNothing({ target: sandboxPayments.reference })
      .returning();
    // Only a repeated reference reads the stored intent back.
    const [row] = inserted ? [inserted] : await db.select().from(sandboxPayments).where(eq(sandboxPayments.reference, input.reference));
    if (!row) throw new Error('sandbox intent vanished');
    if (row.amountMinor !== input.amountMinor || row.currency !== input.currency.toUpperCase()) {
      throw new AppError('CONFLICT', 'This reference already has an intent with another amount');
    }
    // A saved card is charged without a page: complete() succeeds once however many creates race here.
    if (input.offSession && row.status === 'requires_payment') {
      const completed = await complete(row.id, 'succeed');
      return { providerPaymentId: row.id, redirectUrl: `${deps.hostedPageBase}/${row.id}`, status: completed.status };
    }
    return { providerPaymentId: row.id, redirectUrl: `${deps.hostedPageBase}/${row.id}`, status: row.status };
  }

  async function intent(id: string): Promise<SandboxIntentView> {
    const [row] = await db.select().from(sandboxPayments).where(eq(sandboxPayments.id, id));
    if (!row) throw notFound('Payment');
    return { id: row.id, amountMinor: row.amountMinor, currency: row.currency, description: row.description, returnUrl: row.returnUrl, status: row.status };
  }

  async function complete(id: string, outcome: SandboxOutcome): Promise<SandboxIntentView> {
    await db.transaction(async (tx) => {
      const status = outcome === 'succeed' ? 'succeeded' : 'failed';
      const [row] = await tx
        .update(sandboxPayments)
        .set({ status, completedAt: clock.now() })
        .where(and(eq(sandboxPayments.id, id), eq(sandboxPayments.status, 'requires_payment')))
        .returning();
      // Pressing a button twice (or both) completes once: only the first press emits an event.
      if (!row) return;
      await emit(tx, {
        type: outcome === 'succeed' ? 'payment.succeeded' : 'payment.failed',
        data: { paymentId: row.id, amountMinor: row.amountMinor, currency: row.currency, reference: row.reference },
      });
    });
    return intent(id);
  }

  async function refund(input: RefundInput): Promise<CreatedRefund> {
    if (!Number.isInteger(input.amountMinor) || input.amountMinor <= 0) throw new AppError('VALIDATION_FAILED', 'amountMinor must be a positive integer');
    return db.transaction(async (tx) => {
      const [payment] = await tx.select().from(sandboxPayments).where(eq(sandboxPayments.id, input.providerPaymentId)).for('update');
      if (!payment) throw notFound('Payment');
      const [existing] = await tx.select().from(sandboxRefunds).where(eq(sandboxRefunds.reference, input.reference));
      if (existing) {
        if (existing.paymentId !== payment.id || existing.amountMinor !== input.amountMinor) {
          throw new AppError('CONFLICT', 'This refund reference was used for another refund');
        }
        return { providerRefundId: existing.id, status: 'pending' as const };
      }
      if (payment.status !== 'succeeded') throw new AppError('INVALID_STATE', 'Only a succeeded payment can be refunded');
      const [sum] = await tx
        .select({ refunded: sql<string>`coalesce(sum(${sandboxRefunds.amountMinor}), 0)` })
        .from(sandboxRefunds)
        .where(eq(sandboxRefunds.paymentId, payment.id));
      if (Number(sum?.refunded ?? 0) + input.amountMinor > payment.amountMinor) {
        throw new AppError('INVALID_STATE', 'The refund exceeds what is left of the payment');
      }
      const id = newId('sandboxRefund');
      await tx.insert(sandboxRefunds).values({ id, paymentId: payment.id, reference: input.reference, amountMinor: input.amountMinor });
      await emit(tx, {
        type: 'refund.succeeded',
        data: { paymentId: payment.id, amountMinor: input.amountMinor, currency: payment.currency, reference: payment.reference, refundId: id, refundReference: input.reference },
      });
      // Like a real provider, the refund is confirmed by the webhook, not by this answer.
      return { providerRefundId: id, status: 'pending' as const };
    });
  }

  function verifyWebhook(rawBody: Buffer, headers: WebhookHeaders) {
    verifyWebhookSignature(deps.webhookSecret, headerValue(headers, SANDBOX_SIGNATURE_HEADER), rawBody, clock.now().getTime(), deps.toleranceSeconds);
    return parseSandboxEvent(rawBody);
  }

  async function deliver(deliveryId: string, signal: AbortSignal): Promise<void> {
    const [row] = await db.select().from(sandboxWebhookDeliveries).where(eq(sandboxWebhookDeliveries.id, deliveryId));
    if (!row) return;
    // Each attempt is signed afresh, so a retry hours later is not rejected as stale.
    const signature = signWebhook(deps.webhookSecret, Math.floor(clock.now().getTime() / 1000), row.body);
    let status = 0;
    try {
      const response = await fetch(deps.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signature },
        body: row.body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
      status = response.status;
      await response.arrayBuffer();
    } finally {
      await db
        .update(sandboxWebhookDeliveries)
        .set({
          attempts: sql`${sandboxWebhookDeliveries.attempts} + 1`,
          lastStatus: status,
          ...(status >= 200 && status < 300 ? { deliveredAt: clock.now() } : {}),
        })
        .where(eq(sandboxWebhookDeliveries.id, deliveryId));
    }
    if (status < 200 || status >= 300) throw new Error(`webhook ${deliveryId} got HTTP ${status}`);
  }

  return {
    name: 'sandbox',
    createIntent,
    refund,
    verifyWebhook,
    intent,
    complete,
    registerJobs(queue: Queue) {
      queue.work(
        SANDBOX_WEBHOOK_QUEUE,
        async (payload, ctx) => {
          const { deliveryId } = payload;
          if (typeof deliveryId !== 'string') return;
          await deliver(deliveryId, ctx.signal);
        },
        { concurrency: 4 },
      );
    },
  };
}
