import { sql } from 'drizzle-orm';
import { bigint, check, customType, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export interface RenditionInfo {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  codecs: string;
  playlist: string;
}

export interface SpriteInfo {
  image: string;
  vtt: string;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  intervalMs: number;
}

export const ASSET_STATUSES = ['uploading', 'queued', 'transcoding', 'ready', 'failed', 'rejected'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];
export type Fit = 'pad' | 'crop';

/** One uploaded source video and everything made from it. */
export const mediaAssets = pgTable(
  'media_assets',
  {
    id: text('id').primaryKey(),
    /** The catalog episode this asset is for (no cross-module foreign key). */
    episodeId: text('episode_id').notNull(),
    uploadId: text('upload_id'),
    uploaderId: text('uploader_id').notNull(),
    status: text('status', { enum: ASSET_STATUSES }).notNull(),
    progress: integer('progress').notNull().default(0),
    failureReason: text('failure_reason'),
    fit: text('fit', { enum: ['pad', 'crop'] }).notNull().default('pad'),
    sourceKey: text('source_key'),
    /** The client's file name, for the studio only; never used as a path. */
    originalFilename: text('original_filename'),
    /** Uploads reach 2 GB and more: past a 32-bit integer. */
    sourceBytes: bigint('source_bytes', { mode: 'number' }),
    width: integer('width'),
    height: integer('height'),
    durationMs: integer('duration_ms'),
    /** Path of the master playlist inside the asset's folder `hls/<episodeId>/<assetId>/`. */
    masterPlaylist: text('master_playlist'),
    renditions: jsonb('renditions').$type<RenditionInfo[]>().notNull().default([]),
    sceneCutsMs: jsonb('scene_cuts_ms').$type<number[]>().notNull().default([]),
    posterKey: text('poster_key'),
    sprite: jsonb('sprite').$type<SpriteInfo | null>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    readyAt: timestamp('ready_at', { withTimezone: true }),
  },
  (t) => [
    check('media_assets_status_check', sql`${t.status} in ('uploading','queued','transcoding','ready','failed','rejected')`),
    check('media_assets_progress_check', sql`${t.progress} between 0 and 100`),
    index('media_assets_episode_idx').on(t.episodeId),
    uniqueIndex('media_assets_upload_idx').on(t.uploadId),
  ],
);

/** Raw bytes; node-postgres gives a Buffer and PGlite a Uint8Array, so both are read as a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/**
 * The HLS AES-128 key of each asset. It lives only here, never in storage: in production nginx
 * serves storage files to anyone holding a token, while the key is answered by the app after
 * checking the viewer's entitlement at that moment. Deleting the asset row deletes the key.
 */
export const mediaKeys = pgTable(
  'media_keys',
  {
    assetId: text('asset_id')
      .primaryKey()
      .references(() => mediaAssets.id, { onDelete: 'cascade' }),
    episodeId: text('episode_id').notNull(),
    key: bytea('key').notNull(),
    iv: bytea('iv').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('media_keys_key_length_check', sql`octet_length(${t.key}) = 16`),
    check('media_keys_iv_length_check', sql`octet_length(${t.iv}) = 16`),
    index('media_keys_episode_idx').on(t.episodeId),
  ],
);
