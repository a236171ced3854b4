import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const AD_UNLOCK_STATUSES = ['watching', 'granted', 'refused'] as const;
export type AdUnlockStatus = (typeof AD_UNLOCK_STATUSES)[number];

/** Why a genuine reward callback granted nothing. */
export const AD_REFUSAL_REASONS = ['daily_cap', 'not_allowed', 'episode_unavailable', 'already_watchable'] as const;
export type AdRefusalReason = (typeof AD_REFUSAL_REASONS)[number];

/**
 * One rewarded ad a viewer started for one episode. Only the network's verified callback moves it
 * out of `watching`; its transaction id is stored, and unique, so a reward is used once.
 * No foreign keys: users and episodes live in other modules.
 */
export const adUnlocks = pgTable(
  'ad_unlocks',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    episodeId: text('episode_id').notNull(),
    seriesId: text('series_id').notNull(),
    network: text('network').notNull(),
    networkViewId: text('network_view_id'),
    status: text('status', { enum: AD_UNLOCK_STATUSES }).notNull().default('watching'),
    reason: text('reason', { enum: AD_REFUSAL_REASONS }),
    networkTransactionId: text('network_transaction_id').unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    check('ad_unlocks_status_check', sql`${t.status} in ('watching','granted','refused')`),
    check('ad_unlocks_reason_check', sql`${t.reason} is null or ${t.reason} in ('daily_cap','not_allowed','episode_unavailable','already_watchable')`),
    index('ad_unlocks_user_idx').on(t.userId, t.createdAt),
  ],
);

/**
 * Ads granted per user and UTC day. The grant takes a slot with one conditional upsert on this row,
 * which PostgreSQL serialises per user, so concurrent callbacks never pass the cap.
 */
export const adDailyGrants = pgTable(
  'ad_daily_grants',
  {
    userId: text('user_id').notNull(),
    /** YYYY-MM-DD, UTC. */
    day: text('day').notNull(),
    granted: integer('granted').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] }), check('ad_daily_grants_granted_check', sql`${t.granted} >= 0`)],
);
