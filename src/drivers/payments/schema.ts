import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The sandbox provider's own books: what a remote provider would keep on its side. */
export const sandboxPayments = pgTable(
  'sandbox_payments',
  {
    id: text('id').primaryKey(),
    /** The merchant's (our) reference; one intent per reference. */
    reference: text('reference').notNull().unique(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    description: text('description').notNull(),
    returnUrl: text('return_url').notNull(),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    status: text('status', { enum: ['requires_payment', 'succeeded', 'failed'] }).notNull().default('requires_payment'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    check('sandbox_payments_status_check', sql`${t.status} in ('requires_payment','succeeded','failed')`),
    check('sandbox_payments_amount_check', sql`${t.amountMinor} > 0`),
  ],
);

export const sandboxRefunds = pgTable(
  'sandbox_refunds',
  {
    id: text('id').primaryKey(),
    paymentId: text('payment_id').notNull().references(() => sandboxPayments.id),
    reference: text('reference').notNull().unique(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['succeeded'] }).notNull().default('succeeded'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('sandbox_refunds_amount_check', sql`${t.amountMinor} > 0`), index('sandbox_refunds_payment_idx').on(t.paymentId)],
);

/** One row per event; each delivery attempt is a queue job that signs the body afresh. */
export const sandboxWebhookDeliveries = pgTable('sandbox_webhook_deliveries', {
  id: text('id').primaryKey(),
  eventType: text('event_type').notNull(),
  paymentId: text('payment_id').notNull(),
  body: text('body').notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastStatus: integer('last_status'),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
