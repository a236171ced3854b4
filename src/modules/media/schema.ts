import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

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

/** One uploaded source video and everything made from it. */
export const mediaAssets = pgTable(
  'media_assets',
  {
    id: text('id').primaryKey(),
    /** The catalog episode this asset is for (no cross-module foreign key). */
    episodeId: text('episode_id').notNull(),
    uploadId: text('upload_id'),
    uploaderId: text('uploader_id').notNull(),
    status: text('status', { enum: ['uploading', 'queued', 'transcoding', 'ready', 'failed', 'rejected'] }).notNull(),
    progress: integer('progress').notNull().default(0),
    failureReason: text('failure_reason'),
    fit: text('fit', { enum: ['pad', 'crop'] }).notNull().default('pad'),
    sourceKey: text('source_key'),
    sourceBytes: integer('source_bytes'),
    width: integer('width'),
    height: integer('height'),
    durationMs: integer('duration_ms'),
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
  ],
);
