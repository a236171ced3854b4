import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const PAYMENT_STATUSES = ['requires_payment', 'succeeded', 'failed', 'refunded', 'partially_refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** One payment per (purpose, reference): an order, a coin pack, a VIP period. */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    purpose: text('purpose').notNull(),
    /** The caller's id for what is paid for (an order id, a top-up id); no foreign key across modules. */
    reference: text('reference').notNull(),
    userId: text('user_id').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    description: text('description').notNull(),
    provider: text('provider').notNull(),
    providerPaymentId: text('provider_payment_id'),
    redirectUrl: text('redirect_url'),
    status: text('status', { enum: PAYMENT_STATUSES }).notNull().default('requires_payment'),
    refundedMinor: bigint('refunded_minor', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
  },
  (t) => [
    unique('payments_purpose_reference_unique').on(t.purpose, t.reference),
    unique('payments_provider_payment_unique').on(t.provider, t.providerPaymentId),
    check('payments_status_check', sql`${t.status} in ('requires_payment','succeeded','failed','refunded','partially_refunded')`),
    check('payments_amount_check', sql`${t.amountMinor} > 0`),
    check('payments_refunded_check', sql`${t.refundedMinor} >= 0 and ${t.refundedMinor} <= ${t.amountMinor}`),
    index('payments_user_idx').on(t.userId),
  ],
);

/** Every verified provider event, once: the unique key is what makes webhook effects exactly-once. */
export const paymentEvents = pgTable(
  'payment_events',
  {
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    providerEventId: text('provider_event_id').notNull(),
    type: text('type').notNull(),
    paymentId: text('payment_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [unique('payment_events_provider_event_unique').on(t.provider, t.providerEventId)],
);
