import { and, desc, eq, isNull, or } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { entitlements, type EntitlementSource } from './schema.ts';

export type { EntitlementSource } from './schema.ts';

export interface EntitlementView {
  id: string;
  episodeId: string | null;
  seriesId: string;
  source: EntitlementSource;
  reference: string;
  createdAt: string;
}

export interface GrantResult {
  /** False when the user already had it (same episode or same reference). */
  granted: boolean;
}

export type EntitlementsService = ReturnType<typeof createEntitlementsService>;

export function createEntitlementsService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  /** True when the user unlocked the episode itself or holds the whole series. */
  async function hasAccess(userId: string, episodeId: string, seriesId: string, executor: DbOrTx = db): Promise<boolean> {
    const rows = await executor
      .select({ id: entitlements.id })
      .from(entitlements)
      .where(
        and(
          eq(entitlements.userId, userId),
          or(eq(entitlements.episodeId, episodeId), and(isNull(entitlements.episodeId), eq(entitlements.seriesId, seriesId))),
        ),
      )
      .limit(1);
    return rows.length > 0;
  }

  /** Everything the user holds in one series: the whole series (bundle) and/or single episodes. */
  async function ownedInSeries(userId: string, seriesId: string, executor: DbOrTx = db): Promise<{ wholeSeries: boolean; episodeIds: Set<string> }> {
    const rows = await executor
      .select({ episodeId: entitlements.episodeId })
      .from(entitlements)
      .where(and(eq(entitlements.userId, userId), eq(entitlements.seriesId, seriesId)));
    return {
      wholeSeries: rows.some((r) => r.episodeId === null),
      episodeIds: new Set(rows.flatMap((r) => (r.episodeId ? [r.episodeId] : []))),
    };
  }

  async function grantEpisode(
    tx: DbOrTx,
    input: { userId: string; episodeId: string; seriesId: string; source: EntitlementSource; reference: string },
  ): Promise<GrantResult> {
    const inserted = await tx
      .insert(entitlements)
      .values({ id: newId('entitlement'), ...input, createdAt: clock.now() })
      .onConflictDoNothing()
      .returning({ id: entitlements.id });
    return { granted: inserted.length > 0 };
  }

  async function grantSeries(tx: DbOrTx, input: { userId: string; seriesId: string; source: EntitlementSource; reference: string }): Promise<GrantResult> {
    const inserted = await tx
      .insert(entitlements)
      .values({ id: newId('entitlement'), ...input, episodeId: null, createdAt: clock.now() })
      .onConflictDoNothing()
      .returning({ id: entitlements.id });
    return { granted: inserted.length > 0 };
  }

  async function list(userId: string): Promise<EntitlementView[]> {
    const rows = await db.select().from(entitlements).where(eq(entitlements.userId, userId)).orderBy(desc(entitlements.createdAt), desc(entitlements.id));
    return rows.map((row) => ({
      id: row.id,
      episodeId: row.episodeId,
      seriesId: row.seriesId,
      source: row.source,
      reference: row.reference,
      createdAt: row.createdAt.toISOString(),
    }));
  }

  return { hasAccess, ownedInSeries, grantEpisode, grantSeries, list };
}
