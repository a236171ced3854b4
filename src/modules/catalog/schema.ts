import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const series = pgTable(
  'series',
  {
    id: text('id').primaryKey(),
    /** The owning studio (an identity org id; no cross-module foreign key). */
    studioId: text('studio_id').notNull(),
    createdBy: text('created_by').notNull(),
    title: text('title').notNull(),
    synopsis: text('synopsis').notNull().default(''),
    /** Storage key of the cover image, if any. */
    coverKey: text('cover_key'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    language: text('language').notNull().default('zh-CN'),
    /** Free text credit for third-party material (e.g. CC BY-SA sources of demo synopses). */
    attribution: text('attribution'),
    status: text('status', { enum: ['draft', 'published'] }).notNull().default('draft'),
    /** Episodes numbered up to this are free whatever their price; later ones cost their priceCoins (0 = free too). */
    freeEpisodes: integer('free_episodes').notNull().default(0),
    /** Coins for the whole series, future episodes included; null = no bundle on sale. */
    bundlePriceCoins: integer('bundle_price_coins'),
    /** VIP members watch every episode of a series in VIP. */
    inVip: boolean('in_vip').notNull().default(false),
    /** A rewarded ad may unlock one episode at a time. */
    adUnlock: boolean('ad_unlock').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    check('series_free_episodes_check', sql`${t.freeEpisodes} >= 0`),
    check('series_bundle_price_check', sql`${t.bundlePriceCoins} is null or ${t.bundlePriceCoins} > 0`),
    check('series_status_check', sql`${t.status} in ('draft','published')`),
    index('series_studio_idx').on(t.studioId),
    index('series_published_idx').on(t.status, t.publishedAt),
  ],
);

export const episodes = pgTable(
  'episodes',
  {
    id: text('id').primaryKey(),
    seriesId: text('series_id').notNull().references(() => series.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    /** 0 = free. Coins are integers. */
    priceCoins: integer('price_coins').notNull().default(0),
    status: text('status', { enum: ['draft', 'published'] }).notNull().default('draft'),
    /** Mirror of the media module's state, written by the media-ready flow. */
    mediaStatus: text('media_status', { enum: ['none', 'processing', 'ready', 'failed'] }).notNull().default('none'),
    mediaAssetId: text('media_asset_id'),
    /** How a non-vertical source becomes 9:16: letterbox (pad) or crop. */
    fit: text('fit', { enum: ['pad', 'crop'] }).notNull().default('pad'),
    /** The producer asked to publish as soon as transcoding finishes. */
    publishWhenReady: boolean('publish_when_ready').notNull().default(false),
    durationMs: integer('duration_ms'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    unique('episodes_series_number_unique').on(t.seriesId, t.number),
    check('episodes_number_check', sql`${t.number} >= 1`),
    check('episodes_price_check', sql`${t.priceCoins} >= 0`),
    check('episodes_status_check', sql`${t.status} in ('draft','published')`),
    check('episodes_fit_check', sql`${t.fit} in ('pad','crop')`),
    check('episodes_media_status_check', sql`${t.mediaStatus} in ('none','processing','ready','failed')`),
  ],
);
