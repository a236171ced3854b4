import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError, forbidden, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx, Tx } from '../../drivers/db/types.ts';
import type { PaymentProvider, ProviderEvent, WebhookHeaders } from '../../drivers/payments/port.ts';
import type { Caller } from '../../http/context.ts';
import { paymentEvents, payments, type PaymentStatus } from './schema.ts';
import { nextPaymentState } from './state.ts';

export type { PaymentStatus } from './schema.ts';

export interface CreatePaymentInput {
  /** What is paid for: 'order', 'coin_pack', 'vip', … */
  purpose: string;
  /** The caller's id for it; one payment per (purpose, reference). */
  reference: string;
  userId: string;
  amountMinor: number;
  currency: string;
  description: string;
  returnUrl: string;
  /** Charge a saved payment method with nobody present (renewals); see CreateIntentInput.offSession. */
  offSession?: boolean;
}

export interface PaymentView {
  id: string;
  purpose: string;
  reference: string;
  userId: string;
  amountMinor: number;
  currency: string;
  description: string;
  provider: string;
  status: PaymentStatus;
  refundedMinor: number;
  redirectUrl: string | null;
  createdAt: string;
  paidAt: string | null;
}

/** What a listener gets: called once per verified, new event, inside the transaction that records it. */
export interface PaymentEventContext {
  tx: Tx;
  event: ProviderEvent;
  provider: string;
  /** Null when the event names a payment we never made. */
  payment: PaymentView | null;
  previousStatus: PaymentStatus | null;
  /** True when the event moved the payment's state (false for out-of-order or repeated outcomes). */
  applied: boolean;
}

export type PaymentEventListener = (context: PaymentEventContext) => Promise<void>;

export interface WebhookOutcome {
  /** Null when the provider's event was genuine but of a kind we ignore. */
  eventId: string | null;
  duplicate: boolean;
}

export interface PaymentsDeps {
  db: Db;
  clock: Clock;
  /** Every provider we accept webhooks from, by name. */
  providers: Record<string, PaymentProvider>;
  /** The one new payments go to. */
  defaultProvider: string;
}

type Row = typeof payments.$inferSelect;
/** A stored payment as recordPayment returns it, to hand to openIntent. */
export type PaymentRecord = Row;

function view(row: Row): PaymentView {
  return {
    id: row.id,
    purpose: row.purpose,
    reference: row.reference,
    userId: row.userId,
    amountMinor: row.amountMinor,
    currency: row.currency,
    description: row.description,
    provider: row.provider,
    status: row.status,
    refundedMinor: row.refundedMinor,
    redirectUrl: row.redirectUrl,
    createdAt: row.createdAt.toISOString(),
    paidAt: row.paidAt ? row.paidAt.toISOString() : null,
  };
}

export function createPaymentsService(deps: PaymentsDeps) {
  const { db, clock } = deps;
  const listeners: PaymentEventListener[] = [];

  function providerNamed(name: string): PaymentProvider {
    const provider = deps.providers[name];
    if (!provider) throw notFound(`Payment provider ${name}`);
    return provider;
  }

  async function rowOf(paymentId: string): Promise<Row> {
    const [row] = await db.select().from(payments).where(eq(payments.id, paymentId));
    if (!row) throw notFound('Payment');
    return row;
  }

  /**
   * The payment an event is about. An off-session charge can succeed, and its webhook arrive, before
   * createPayment has stored the provider's id; the signed event then names our payment id as its reference.
   */
  async function paymentOfEvent(tx: Tx, providerName: string, event: ProviderEvent): Promise<Row | undefined> {
    const [row] = await tx
      .select()
      .from(payments)
      .where(and(eq(payments.provider, providerName), eq(payments.providerPaymentId, event.providerPaymentId)))
      .for('update');
    const ours = event.data.reference;
    if (row || typeof ours !== 'string') return row;
    const [linked] = await tx
      .update(payments)
      .set({ providerPaymentId: event.providerPaymentId })
      .where(and(eq(payments.id, ours), eq(payments.provider, providerName), isNull(payments.providerPaymentId)))
      .returning();
    return linked;
  }

  /**
   * The payment row alone, pending, in the caller's transaction when it passes one (checkout writes
   * it beside its orders, so they never name a payment that does not exist); `openIntent` then asks
   * the provider, after the commit. Idempotent on (purpose, reference): a retry gets the stored row.
   */
  async function recordPayment(executor: DbOrTx, input: CreatePaymentInput): Promise<PaymentRecord> {
    if (!Number.isInteger(input.amountMinor) || input.amountMinor <= 0) throw new AppError('VALIDATION_FAILED', 'amountMinor must be a positive integer');
    if (!/^[A-Z]{3}$/.test(input.currency)) throw new AppError('VALIDATION_FAILED', 'currency must be an ISO 4217 code');
    const provider = providerNamed(deps.defaultProvider);
    const [inserted] = await executor
      .insert(payments)
      .values({
        id: newId('payment'),
        purpose: input.purpose,
        reference: input.reference,
        userId: input.userId,
        amountMinor: input.amountMinor,
        currency: input.currency,
        description: input.description,
        provider: provider.name,
      })
      .onConflictDoNothing({ target: [payments.purpose, payments.reference] })
      .returning();
    // Only a retry (the reference already had a payment) reads the stored one back.
    const [row] = inserted ? [inserted] : await executor.select().from(payments).where(and(eq(payments.purpose, input.purpose), eq(payments.reference, input.reference)));
    if (!row) throw new Error('payment vanished');
    if (row.userId !== input.userId || row.amountMinor !== input.amountMinor || row.currency !== input.currency) {
      throw new AppError('CONFLICT', 'This reference already has a payment with another amount or payer');
    }
    return row;
  }

  /** The provider's intent and hosted page for a recorded payment; a payment that has them keeps them. */
  async function openIntent(row: PaymentRecord, input: Pick<CreatePaymentInput, 'returnUrl' | 'offSession'>): Promise<{ paymentId: string; redirectUrl: string }> {
    if (row.providerPaymentId && row.redirectUrl) return { paymentId: row.id, redirectUrl: row.redirectUrl };
    // Concurrent creators both get here; the provider is idempotent on our payment id, so both see one intent.
    const intent = await providerNamed(row.provider).createIntent({
      amountMinor: row.amountMinor,
      currency: row.currency,
      reference: row.id,
      description: row.description,
      returnUrl: input.returnUrl,
      metadata: { purpose: row.purpose, reference: row.reference },
      ...(input.offSession ? { offSession: true } : {}),
    });
    await db
      .update(payments)
      .set({ providerPaymentId: intent.providerPaymentId, redirectUrl: intent.redirectUrl, updatedAt: clock.now() })
      .where(eq(payments.id, row.id));
    return { paymentId: row.id, redirectUrl: intent.redirectUrl };
  }

  /** Idempotent on (purpose, reference): a retry gets the same payment and hosted page. */
  async function createPayment(input: CreatePaymentInput): Promise<{ paymentId: string; redirectUrl: string }> {
    return openIntent(await recordPayment(db, input), input);
  }

  /** Asks the provider to refund; the payment changes only when the provider's refund event arrives. */
  async function refund(paymentId: string, amountMinor: number, reference: string): Promise<{ providerRefundId: string }> {
    const row = await rowOf(paymentId);
    if (!row.providerPaymentId) throw new AppError('INVALID_STATE', 'The payment has no provider intent');
    if (row.status !== 'succeeded' && row.status !== 'partially_refunded') throw new AppError('INVALID_STATE', 'Only a paid payment can be refunded');
    if (!Number.isInteger(amountMinor) || amountMinor <= 0 || amountMinor > row.amountMinor - row.refundedMinor) {
      throw new AppError('VALIDATION_FAILED', 'The refund must be a positive amount no larger than what is left');
    }
    const created = await providerNamed(row.provider).refund({ providerPaymentId: row.providerPaymentId, amountMinor, reference });
    return { providerRefundId: created.providerRefundId };
  }

  /**
   * Verify → record the event id (ON CONFLICT DO NOTHING) → move the payment → listeners, the last
   * three in one transaction: a crash either loses all of it (the provider retries) or none of it.
   */
  async function handleWebhook(providerName: string, rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookOutcome> {
    const provider = providerNamed(providerName);
    const event = provider.verifyWebhook(rawBody, headers);
    if (!event) return { eventId: null, duplicate: false };
    return db.transaction(async (tx) => {
      const [recorded] = await tx
        .insert(paymentEvents)
        .values({ id: newId('paymentEvent'), provider: provider.name, providerEventId: event.id, type: event.type, payload: { ...event, createdAt: event.createdAt.toISOString() } })
        .onConflictDoNothing({ target: [paymentEvents.provider, paymentEvents.providerEventId] })
        .returning({ id: paymentEvents.id });
      if (!recorded) return { eventId: event.id, duplicate: true };
      const row = await paymentOfEvent(tx, provider.name, event);
      let current: Row | null = row ?? null;
      let applied = false;
      if (row) {
        await tx.update(paymentEvents).set({ paymentId: row.id }).where(eq(paymentEvents.id, recorded.id));
        const next = nextPaymentState(row, event);
        if (next) {
          const now = clock.now();
          const [updated] = await tx
            .update(payments)
            .set({ status: next.status, refundedMinor: next.refundedMinor, updatedAt: now, ...(event.type === 'payment.succeeded' ? { paidAt: now } : {}) })
            .where(eq(payments.id, row.id))
            .returning();
          current = updated ?? row;
          applied = true;
        }
      }
      const context: PaymentEventContext = {
        tx,
        event,
        provider: provider.name,
        payment: current ? view(current) : null,
        previousStatus: row ? row.status : null,
        applied,
      };
      for (const listener of listeners) await listener(context);
      return { eventId: event.id, duplicate: false };
    });
  }

  async function getPayment(caller: Caller, paymentId: string): Promise<PaymentView> {
    const row = await rowOf(paymentId);
    if (caller.userId !== row.userId && caller.role !== 'admin') throw notFound('Payment');
    return view(row);
  }

  /** A user's payments for one purpose, newest first. */
  async function listForUser(userId: string, purpose: string, limit = 50): Promise<PaymentView[]> {
    const rows = await db
      .select()
      .from(payments)
      .where(and(eq(payments.userId, userId), eq(payments.purpose, purpose)))
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(limit);
    return rows.map(view);
  }

  async function paymentByReference(purpose: string, reference: string): Promise<PaymentView | null> {
    const [row] = await db.select().from(payments).where(and(eq(payments.purpose, purpose), eq(payments.reference, reference)));
    return row ? view(row) : null;
  }

  async function countEvents(): Promise<number> {
    const [row] = await db.select({ n: sql<number>`count(*)` }).from(paymentEvents);
    return Number(row?.n ?? 0);
  }

  return {
    createPayment,
    recordPayment,
    openIntent,
    refund,
    listForUser,
    handleWebhook,
    getPayment,
    paymentByReference,
    countEvents,
    /** Registers a listener (checkout, top-up); it runs inside the event's transaction and may throw to roll it back. */
    onPaymentEvent(listener: PaymentEventListener): void {
      listeners.push(listener);
    },
    /** Guard for callers that act on someone's payment. */
    assertOwner(caller: Caller, payment: PaymentView): void {
      if (caller.userId !== payment.userId && caller.role !== 'admin') throw forbidden();
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
