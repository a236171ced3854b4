import { and, desc, eq, gte, lte, or, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { isAppError, type ErrorCode } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { TouchTargets } from './ports.ts';
import { touches, type TouchType } from './schema.ts';

export type { TouchTarget, TouchTargets } from './ports.ts';
export type { TouchType } from './schema.ts';

export const MAX_EVENTS_PER_BATCH = 100;

export interface BeaconEvent {
  /** The client's uuid: a retry sends the same one. */
  id: string;
  type: TouchType;
  placementId: string;
  atMs: number;
}

export interface BatchResult {
  /** Newly recorded. */
  accepted: number;
  /** Already recorded for this viewer (a retry), or repeated within the batch: counted once. */
  duplicates: number;
  rejected: { id: string; code: ErrorCode }[];
}

export interface AttributionWindows {
  clickMs: number;
  impressionMs: number;
}

export interface TouchQuery {
  userId: string | null;
  /** Device keys (and any other viewer keys) the buyer used; touches recorded under them count too. */
  viewerKeys: string[];
  productId: string;
  /** The purchase time. */
  at: Date;
  windows?: AttributionWindows;
}

export interface Touch {
  touchId: string;
  placementId: string;
  episodeId: string;
  seriesId: string;
  productId: string;
  atMs: number;
  type: TouchType;
  touchedAt: Date;
}

export interface EventsDeps {
  db: Db;
  clock: Clock;
  targets: TouchTargets;
  windows: AttributionWindows;
}

export function createEventsService(deps: EventsDeps) {
  const { db, clock, targets } = deps;

  /**
   * Records a batch of card beacons. The server stamps the viewer and the time and derives episode,
   * series and product from the placement. An event whose placement is unknown (or no longer live),
   * or whose episode the caller may not watch, is rejected on its own; the rest are written, and the
   * answer comes only after the write has committed.
   */
  async function record(caller: Caller, events: BeaconEvent[]): Promise<BatchResult> {
    const firstById = new Map<string, BeaconEvent>();
    for (const event of events) if (!firstById.has(event.id)) firstById.set(event.id, event);
    const unique = [...firstById.values()];
    const found = await targets.liveTargets([...new Set(unique.map((e) => e.placementId))]);
    const refusal = new Map<string, ErrorCode>();
    for (const episodeId of new Set([...found.values()].map((t) => t.episodeId))) {
      try {
        await targets.requireWatchable(caller, episodeId);
      } catch (error) {
        if (!isAppError(error)) throw error;
        refusal.set(episodeId, error.code);
      }
    }
    const rejected: BatchResult['rejected'] = [];
    const now = clock.now();
    const rows: (typeof touches.$inferInsert)[] = [];
    for (const event of unique) {
      const target = found.get(event.placementId);
      const refused = target ? refusal.get(target.episodeId) : 'NOT_FOUND';
      if (!target || refused) {
        rejected.push({ id: event.id, code: refused ?? 'NOT_FOUND' });
        continue;
      }
      // Ids are made in batch order, so among touches stamped in the same millisecond the later one sorts last.
      rows.push({
        id: newId('touch'),
        clientId: event.id,
        viewerKey: caller.viewerKey,
        userId: caller.userId,
        type: event.type,
        placementId: target.placementId,
        episodeId: target.episodeId,
        seriesId: target.seriesId,
        productId: target.productId,
        atMs: event.atMs,
        touchedAt: now,
      });
    }
    const written = rows.length === 0 ? [] : await db.insert(touches).values(rows).onConflictDoNothing({ target: [touches.viewerKey, touches.clientId] }).returning({ id: touches.id });
    return { accepted: written.length, duplicates: events.length - rejected.length - written.length, rejected };
  }

  // Checkout asks this for every product it sells: built once and prepared.
  const selectLastTouch = db
    .select()
    .from(touches)
    .where(
      and(
        eq(touches.productId, sql.placeholder('productId')),
        or(eq(touches.userId, sql.placeholder('userId')), sql`${touches.viewerKey} = any(${sql.placeholder('viewerKeys')})`),
        lte(touches.touchedAt, sql.placeholder('at')),
        or(
          and(eq(touches.type, 'card_click'), gte(touches.touchedAt, sql.placeholder('clickFrom'))),
          and(eq(touches.type, 'card_impression'), gte(touches.touchedAt, sql.placeholder('impressionFrom'))),
        ),
      ),
    )
    .orderBy(desc(touches.touchedAt), desc(touches.id))
    .limit(1)
    .prepare('events_last_touch');

  /**
   * The touch an order line is attributed to: the latest touch on this product by this buyer that is
   * still inside its window at `at`. Both window edges are inclusive: a touch at time T counts for a
   * purchase at `at` when T <= at and at - T <= window (so a click exactly 7 days before counts, one
   * millisecond more does not). Among touches in the same millisecond the one recorded last wins.
   * Null: unattributed.
   */
  async function lastTouch(query: TouchQuery): Promise<Touch | null> {
    const windows = query.windows ?? deps.windows;
    if (!query.userId && query.viewerKeys.length === 0) return null;
    const at = query.at.getTime();
    const [row] = await selectLastTouch.execute({
      productId: query.productId,
      // A null user id matches no row (`user_id = NULL`), so the viewer keys alone decide.
      userId: query.userId,
      viewerKeys: query.viewerKeys,
      at: query.at,
      clickFrom: new Date(at - windows.clickMs),
      impressionFrom: new Date(at - windows.impressionMs),
    });
    if (!row) return null;
    return {
      touchId: row.id,
      placementId: row.placementId,
      episodeId: row.episodeId,
      seriesId: row.seriesId,
      productId: row.productId,
      atMs: row.atMs,
      type: row.type,
      touchedAt: row.touchedAt,
    };
  }

  return { record, lastTouch, windows: deps.windows };
}

export type EventsService = ReturnType<typeof createEventsService>;
