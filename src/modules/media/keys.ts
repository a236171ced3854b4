import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../drivers/db/types.ts';
import type { AssetRow } from './assets.ts';
import { mediaKeys } from './schema.ts';

/** Where every media playlist points for its key: `<variant>/index.m3u8` + `../key` is `<asset>/key`. */
export const KEY_URI = '../key';
/** The file name of the key under the signed asset path (`/media/…/<assetId>/key`). */
export const KEY_PATH = 'key';

export interface AssetKey {
  key: Buffer;
  iv: Buffer;
}

/**
 * The asset's AES-128 key and IV, made on first use. Every attempt of the transcode job reuses
 * the same pair, so a worker that lost its lease and a worker that took over encrypt alike.
 */
export async function ensureAssetKey(db: DbOrTx, asset: Pick<AssetRow, 'id' | 'episodeId'>): Promise<AssetKey> {
  await db
    .insert(mediaKeys)
    .values({ assetId: asset.id, episodeId: asset.episodeId, key: randomBytes(16), iv: randomBytes(16) })
    .onConflictDoNothing({ target: mediaKeys.assetId });
  const found = await findAssetKey(db, asset.id);
  if (!found) throw new Error(`asset ${asset.id} has no key row`);
  return found;
}

export async function findAssetKey(db: DbOrTx, assetId: string): Promise<AssetKey | null> {
  const rows = await db.select({ key: mediaKeys.key, iv: mediaKeys.iv }).from(mediaKeys).where(eq(mediaKeys.assetId, assetId));
  return rows[0] ?? null;
}
