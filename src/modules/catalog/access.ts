import { eq, type Placeholder } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { DbOrTx } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { IdentityService } from '../identity/service.ts';
import { episodes, series } from './schema.ts';
import type { EpisodeRow, SeriesRow } from './views.ts';

export type StudioMembership = Pick<IdentityService, 'isOrgMember' | 'orgIdsOf'>;

/** Owner = a member of the series' studio, or an admin. */
export async function canManage(identity: StudioMembership, caller: Caller, row: SeriesRow): Promise<boolean> {
  if (!caller.userId) return false;
  if (caller.role === 'admin') return true;
  return identity.isOrgMember(caller.userId, row.studioId);
}

export async function loadSeries(db: DbOrTx, seriesId: string): Promise<SeriesRow | null> {
  const [row] = await db.select().from(series).where(eq(series.id, seriesId));
  return row ?? null;
}

export const selectEpisodeWithSeries = (db: DbOrTx, episodeId: string | Placeholder) =>
  db.select({ episode: episodes, series }).from(episodes).innerJoin(series, eq(series.id, episodes.seriesId)).where(eq(episodes.id, episodeId));

export async function loadEpisodeWithSeries(db: DbOrTx, episodeId: string): Promise<{ episode: EpisodeRow; series: SeriesRow } | null> {
  const [row] = await selectEpisodeWithSeries(db, episodeId);
  return row ?? null;
}

/**
 * Someone else's draft answers 404, not 403, so ids of unpublished work do not leak.
 */
export async function requireManagedSeries(db: DbOrTx, identity: StudioMembership, caller: Caller, seriesId: string): Promise<SeriesRow> {
  const row = await loadSeries(db, seriesId);
  if (!row) throw new AppError('NOT_FOUND', 'Series not found');
  if (await canManage(identity, caller, row)) return row;
  if (row.status === 'published') throw new AppError('FORBIDDEN', 'Only the studio that owns this series may change it');
  throw new AppError('NOT_FOUND', 'Series not found');
}

export async function requireManagedEpisode(
  db: DbOrTx,
  identity: StudioMembership,
  caller: Caller,
  episodeId: string,
): Promise<{ episode: EpisodeRow; series: SeriesRow }> {
  const found = await loadEpisodeWithSeries(db, episodeId);
  if (!found) throw new AppError('NOT_FOUND', 'Episode not found');
  if (await canManage(identity, caller, found.series)) return found;
  if (found.episode.status === 'published' && found.series.status === 'published') {
    throw new AppError('FORBIDDEN', 'Only the studio that owns this episode may change it');
  }
  throw new AppError('NOT_FOUND', 'Episode not found');
}
