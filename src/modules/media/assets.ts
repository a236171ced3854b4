import { and, desc, eq, gt, lt, ne, sql, type Placeholder } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import type { EpisodeMediaSummary } from './ports.ts';
import { mediaAssets } from './schema.ts';

export type AssetRow = typeof mediaAssets.$inferSelect;
export type NewAssetRow = typeof mediaAssets.$inferInsert;

/**
 * Storage folders an asset owns (with the trailing slash, since storage prefixes match as plain
 * strings); deleting both removes every byte of it.
 */
export function assetPrefixes(asset: Pick<AssetRow, 'id' | 'episodeId'>): { hls: string; source: string } {
  return { hls: `hls/${asset.episodeId}/${asset.id}/`, source: `sources/${asset.id}/` };
}

const selectAsset = (db: DbOrTx, assetId: string | Placeholder) => db.select().from(mediaAssets).where(eq(mediaAssets.id, assetId));

export async function findAsset(db: DbOrTx, assetId: string): Promise<AssetRow | null> {
  const rows = await selectAsset(db, assetId);
  return rows[0] ?? null;
}

export async function findAssetByUpload(db: DbOrTx, uploadId: string): Promise<AssetRow | null> {
  const rows = await db.select().from(mediaAssets).where(eq(mediaAssets.uploadId, uploadId));
  return rows[0] ?? null;
}

/** The newest asset of an episode, whatever its state: what the studio shows. */
export async function latestAsset(db: DbOrTx, episodeId: string): Promise<AssetRow | null> {
  const rows = await db.select().from(mediaAssets).where(eq(mediaAssets.episodeId, episodeId)).orderBy(desc(mediaAssets.id)).limit(1);
  return rows[0] ?? null;
}

/** The asset that plays: the newest ready one. Ids are time-ordered, so the greatest id is the newest. */
const selectPlayable = (db: DbOrTx, episodeId: string | Placeholder) =>
  db
    .select()
    .from(mediaAssets)
    .where(and(eq(mediaAssets.episodeId, episodeId), eq(mediaAssets.status, 'ready')))
    .orderBy(desc(mediaAssets.id))
    .limit(1);

export async function playableAsset(db: DbOrTx, episodeId: string): Promise<AssetRow | null> {
  const rows = await selectPlayable(db, episodeId);
  return rows[0] ?? null;
}

/** The two reads every playback and every segment request make, built once and prepared. */
export function preparedAssetReads(db: Db) {
  const playable = selectPlayable(db, sql.placeholder('episodeId')).prepare('media_playable_asset');
  const byId = selectAsset(db, sql.placeholder('assetId')).prepare('media_asset_by_id');
  return {
    playable: async (episodeId: string): Promise<AssetRow | null> => (await playable.execute({ episodeId }))[0] ?? null,
    byId: async (assetId: string): Promise<AssetRow | null> => (await byId.execute({ assetId }))[0] ?? null,
  };
}

export async function newerReadyExists(db: DbOrTx, asset: Pick<AssetRow, 'id' | 'episodeId'>): Promise<boolean> {
  const rows = await db
    .select({ id: mediaAssets.id })
    .from(mediaAssets)
    .where(and(eq(mediaAssets.episodeId, asset.episodeId), eq(mediaAssets.status, 'ready'), gt(mediaAssets.id, asset.id)))
    .limit(1);
  return rows.length > 0;
}

/**
 * Removes the rows of assets older than `asset` and returns them so their files can go too.
 * Older uploads still in progress are left alone: their uploader may finish them, and they are
 * discarded then (a newer ready asset supersedes them).
 */
export async function deleteOlderAssets(db: DbOrTx, asset: Pick<AssetRow, 'id' | 'episodeId'>): Promise<AssetRow[]> {
  return db
    .delete(mediaAssets)
    .where(and(eq(mediaAssets.episodeId, asset.episodeId), lt(mediaAssets.id, asset.id), ne(mediaAssets.status, 'uploading')))
    .returning();
}

export async function deleteAsset(db: DbOrTx, assetId: string): Promise<AssetRow | null> {
  const rows = await db.delete(mediaAssets).where(eq(mediaAssets.id, assetId)).returning();
  return rows[0] ?? null;
}

/** What the catalog mirrors: ready if anything plays, else the state of the newest attempt. */
export async function summarizeEpisode(db: DbOrTx, episodeId: string): Promise<EpisodeMediaSummary> {
  const playable = await playableAsset(db, episodeId);
  if (playable) return { mediaStatus: 'ready', mediaAssetId: playable.id, durationMs: playable.durationMs };
  const latest = await latestAsset(db, episodeId);
  if (!latest) return { mediaStatus: 'none', mediaAssetId: null, durationMs: null };
  switch (latest.status) {
    case 'uploading':
    case 'queued':
    case 'transcoding':
      return { mediaStatus: 'processing', mediaAssetId: null, durationMs: null };
    case 'failed':
    case 'rejected':
      return { mediaStatus: 'failed', mediaAssetId: null, durationMs: null };
    case 'ready':
      return { mediaStatus: 'ready', mediaAssetId: latest.id, durationMs: latest.durationMs };
    default: {
      const unreachable: never = latest.status;
      throw new Error(`unknown asset status ${String(unreachable)}`);
    }
  }
}
