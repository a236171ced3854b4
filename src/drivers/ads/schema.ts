import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The sandbox ad network's own books: what a remote network would keep on its side. */
export const sandboxAdViews = pgTable(
  'sandbox_ad_views',
  {
    id: text('id').primaryKey(),
    /** The publisher's (our) id for the view, echoed as custom_data; one view per id. */
    customData: text('custom_data').notNull().unique(),
    userId: text('user_id').notNull(),
    durationMs: integer('duration_ms').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** Set when the ad was watched to the end: one reward, one transaction id. */
    transactionId: text('transaction_id').unique(),
    attempts: integer('attempts').notNull().default(0),
    lastStatus: integer('last_status'),
    /** The last callback query sent (the network's delivery log). */
    lastQuery: text('last_query'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('sandbox_ad_views_user_idx').on(t.userId)],
);
