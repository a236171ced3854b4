import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const VIP_PERIOD_SOURCES = ['purchase', 'renewal'] as const;
export type VipPeriodSource = (typeof VIP_PERIOD_SOURCES)[number];

/**
 * One row per user who ever paid for VIP. Renewal is off unless the viewer turned it on; cancelling
 * turns it off and stamps cancelledAt, while paid periods keep running to their end.
 */
export const vipMemberships = pgTable('vip_memberships', {
  userId: text('user_id').primaryKey(),
  /** The plan a renewal charges: the one last bought. */
  planId: text('plan_id').notNull(),
  autoRenew: boolean('auto_renew').notNull().default(false),
  cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** One row per paid period; the unique payment id makes a repeated webhook add nothing. */
export const vipPeriods = pgTable(
  'vip_periods',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    planId: text('plan_id').notNull(),
    /** No foreign key across modules: the payments module's payment id. */
    paymentId: text('payment_id').notNull().unique('vip_periods_payment_unique'),
    source: text('source', { enum: VIP_PERIOD_SOURCES }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('vip_periods_user_end_idx').on(t.userId, t.endsAt),
    check('vip_periods_span_check', sql`${t.endsAt} > ${t.startsAt}`),
    check('vip_periods_source_check', sql`${t.source} in ('purchase','renewal')`),
  ],
);
