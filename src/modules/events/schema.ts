import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const TOUCH_TYPES = ['card_impression', 'card_click'] as const;
export type TouchType = (typeof TOUCH_TYPES)[number];

/**
 * A viewer saw (impression) or tapped (click) a product card: the server's own record, from which
 * orders are attributed. Viewer, time, episode, series and product are stamped by the server; the
 * client gives only its event id, the type, the placement and the second in the episode.
 * The unique (viewer_key, client_id) makes a retried beacon a no-op.
 */
export const touches = pgTable(
  'touches',
  {
    id: text('id').primaryKey(),
    /** The client's uuid for the event. */
    clientId: text('client_id').notNull(),
    /** The signed-in user's id, else the device id (as everywhere a viewer is keyed). */
    viewerKey: text('viewer_key').notNull(),
    userId: text('user_id'),
    type: text('type', { enum: TOUCH_TYPES }).notNull(),
    placementId: text('placement_id').notNull(),
    episodeId: text('episode_id').notNull(),
    seriesId: text('series_id').notNull(),
    productId: text('product_id').notNull(),
    /** The second in the episode (ms) the card was seen or tapped at. */
    atMs: integer('at_ms').notNull(),
    touchedAt: timestamp('touched_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('touches_viewer_client_unique').on(t.viewerKey, t.clientId),
    check('touches_type_check', sql`${t.type} in ('card_impression','card_click')`),
    check('touches_at_ms_check', sql`${t.atMs} >= 0`),
    index('touches_viewer_product_idx').on(t.viewerKey, t.productId, t.touchedAt),
    index('touches_user_product_idx').on(t.userId, t.productId, t.touchedAt).where(sql`${t.userId} is not null`),
  ],
);

export type TouchRow = typeof touches.$inferSelect;
