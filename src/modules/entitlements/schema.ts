import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const ENTITLEMENT_SOURCES = ['coins', 'bundle', 'vip', 'ad', 'grant'] as const;
export type EntitlementSource = (typeof ENTITLEMENT_SOURCES)[number];

/**
 * What a user may watch beyond the free episodes. A row with an episode id unlocks that episode;
 * a row without one unlocks the whole series. No foreign keys: users and episodes live in other modules.
 */
export const entitlements = pgTable(
  'entitlements',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    episodeId: text('episode_id'),
    seriesId: text('series_id').notNull(),
    source: text('source', { enum: ENTITLEMENT_SOURCES }).notNull(),
    /** What granted it (an unlock, a payment): granting twice under one reference is a no-op. */
    reference: text('reference').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('entitlements_reference_unique').on(t.reference),
    // Series rows have a null episode id, and nulls never collide: this only binds episode unlocks.
    unique('entitlements_user_episode_unique').on(t.userId, t.episodeId),
    index('entitlements_user_series_idx').on(t.userId, t.seriesId),
    check('entitlements_source_check', sql`${t.source} in ('coins','bundle','vip','ad','grant')`),
  ],
);
