import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const follows = pgTable(
  'follows',
  {
    userId: text('user_id').notNull(),
    seriesId: text('series_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.seriesId] }), index('follows_series_idx').on(t.seriesId)],
);

/** Where a viewer (a user id, or an anonymous device id) stopped in an episode. */
export const watchProgress = pgTable(
  'watch_progress',
  {
    viewerKey: text('viewer_key').notNull(),
    episodeId: text('episode_id').notNull(),
    seriesId: text('series_id').notNull(),
    positionMs: integer('position_ms').notNull(),
    durationMs: integer('duration_ms'),
    completed: boolean('completed').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.viewerKey, t.episodeId] }),
    index('watch_progress_recent_idx').on(t.viewerKey, t.updatedAt),
    index('watch_progress_series_idx').on(t.viewerKey, t.seriesId, t.updatedAt),
    check('watch_progress_position_check', sql`${t.positionMs} >= 0`),
  ],
);
