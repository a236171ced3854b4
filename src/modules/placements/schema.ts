import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const OFFER_AUDIENCES = ['all', 'studios'] as const;
export type OfferAudience = (typeof OFFER_AUDIENCES)[number];
export const OFFER_STATUSES = ['active', 'withdrawn'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];
export const PLACEMENT_LABELS = ['same', 'similar'] as const;
export type PlacementLabel = (typeof PLACEMENT_LABELS)[number];

/**
 * A merchant's offer to pay producers a commission (CPS, basis points of the paid price) for
 * placing one product. Shop, product and studio ids belong to other modules: no foreign keys.
 */
export const offers = pgTable(
  'offers',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id').notNull(),
    productId: text('product_id').notNull(),
    commissionBps: integer('commission_bps').notNull(),
    audience: text('audience', { enum: OFFER_AUDIENCES }).notNull(),
    /** The named studios when audience = 'studios'; empty for 'all'. */
    studioIds: jsonb('studio_ids').$type<string[]>().notNull().default([]),
    status: text('status', { enum: OFFER_STATUSES }).notNull().default('active'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('offers_commission_check', sql`${t.commissionBps} between 0 and 10000`),
    check('offers_audience_check', sql`${t.audience} in ('all','studios')`),
    check('offers_status_check', sql`${t.status} in ('active','withdrawn')`),
    index('offers_shop_idx').on(t.shopId),
    index('offers_product_idx').on(t.productId),
  ],
);

/** A studio took an offer; the unique pair makes accepting twice a no-op. */
export const offerAcceptances = pgTable(
  'offer_acceptances',
  {
    offerId: text('offer_id')
      .notNull()
      .references(() => offers.id, { onDelete: 'cascade' }),
    studioId: text('studio_id').notNull(),
    acceptedBy: text('accepted_by').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('offer_acceptances_offer_studio_unique').on(t.offerId, t.studioId), index('offer_acceptances_studio_idx').on(t.studioId)],
);

/**
 * A product on an episode's timeline. The box is four fractions of the frame, all set or all null;
 * the CHECKs repeat the service's validation so no path can store a card outside the frame
 * (x + w may exceed 1 by 1e-9: decimal fractions such as 0.15 + 0.85 do not add up exactly in binary).
 */
export const placements = pgTable(
  'placements',
  {
    id: text('id').primaryKey(),
    episodeId: text('episode_id').notNull(),
    seriesId: text('series_id').notNull(),
    studioId: text('studio_id').notNull(),
    productId: text('product_id').notNull(),
    offerId: text('offer_id')
      .notNull()
      .references(() => offers.id),
    startMs: integer('start_ms').notNull(),
    endMs: integer('end_ms').notNull(),
    boxX: doublePrecision('box_x'),
    boxY: doublePrecision('box_y'),
    boxW: doublePrecision('box_w'),
    boxH: doublePrecision('box_h'),
    label: text('label', { enum: PLACEMENT_LABELS }).notNull(),
    cta: text('cta').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('placements_range_check', sql`${t.startMs} >= 0 and ${t.endMs} > ${t.startMs}`),
    check(
      'placements_box_check',
      sql`(${t.boxX} is null and ${t.boxY} is null and ${t.boxW} is null and ${t.boxH} is null) or (${t.boxX} >= 0 and ${t.boxY} >= 0 and ${t.boxW} > 0 and ${t.boxH} > 0 and ${t.boxX} + ${t.boxW} <= 1.000000001 and ${t.boxY} + ${t.boxH} <= 1.000000001)`,
    ),
    check('placements_label_check', sql`${t.label} in ('same','similar')`),
    check('placements_cta_check', sql`char_length(${t.cta}) between 1 and 40`),
    index('placements_episode_idx').on(t.episodeId, t.startMs),
    index('placements_offer_idx').on(t.offerId),
  ],
);

export type OfferRow = typeof offers.$inferSelect;
export type PlacementRow = typeof placements.$inferSelect;
