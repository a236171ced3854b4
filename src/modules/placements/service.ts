import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import { cardOf, createOffers, type ProductCard } from './offers.ts';
import type { OrgMembership, PlacementEpisode, PlacementEpisodes, ProductLookup } from './ports.ts';
import { offers, placements, type PlacementLabel, type PlacementRow } from './schema.ts';

export type { OfferInput, OfferView, ProductCard } from './offers.ts';
export type { OrgMembership, PlacementEpisode, PlacementEpisodes, ProductFacts, ProductLookup } from './ports.ts';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacementInput {
  productId: string;
  startMs: number;
  endMs: number;
  box?: Box | null;
  label: PlacementLabel;
  cta: string;
}

/** What the player needs to show a card: the playback response carries a list of these. */
export interface PlacementCard {
  id: string;
  productId: string;
  startMs: number;
  endMs: number;
  box: Box | null;
  label: PlacementLabel;
  cta: string;
  product: ProductCard;
}

export interface PlacementView extends Omit<PlacementCard, 'product'> {
  episodeId: string;
  offerId: string;
  /** Shown to viewers now: its offer is active and its product can be bought. */
  live: boolean;
  product: ProductCard | null;
}

/** Where a touch on a live placement points, for attribution. */
export interface PlacementTarget {
  placementId: string;
  episodeId: string;
  seriesId: string;
  productId: string;
}

export interface PlacementsDeps {
  db: Db;
  clock: Clock;
  orgs: OrgMembership;
  products: ProductLookup;
  episodes: PlacementEpisodes;
}

// Decimal fractions may not add up exactly in binary (the schema's CHECK allows the same slack).
const FRAME_EPSILON = 1e-9;

function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { errors: [{ path, message }] });
}

function boxOf(row: PlacementRow): Box | null {
  if (row.boxX === null || row.boxY === null || row.boxW === null || row.boxH === null) return null;
  return { x: row.boxX, y: row.boxY, w: row.boxW, h: row.boxH };
}

export function createPlacementsService(deps: PlacementsDeps) {
  const { db, clock, products, episodes } = deps;
  const offerBook = createOffers(deps);

  /** Every rule a placement must pass; returns the offer it is placed under. Writes nothing. */
  async function validate(episode: PlacementEpisode, input: PlacementInput): Promise<string> {
    if (episode.durationMs === null) throw new AppError('EPISODE_NOT_READY', 'Place products once the episode has a ready video (its duration is unknown)');
    if (input.endMs <= input.startMs) throw invalid('/endMs', 'endMs must be after startMs');
    if (input.endMs > episode.durationMs) throw invalid('/endMs', `The placement must end within the episode (${episode.durationMs} ms)`);
    const box = input.box ?? null;
    if (box) {
      if (box.w <= 0 || box.h <= 0) throw invalid('/box', 'The box needs a width and a height');
      if (box.x + box.w > 1 + FRAME_EPSILON || box.y + box.h > 1 + FRAME_EPSILON) throw invalid('/box', 'The box must lie inside the frame (x + w <= 1, y + h <= 1)');
    }
    if (input.cta.trim().length === 0) throw invalid('/cta', 'The call to action needs some text');
    const product = (await products.productFacts([input.productId])).get(input.productId);
    if (!cardOf(product)) throw invalid('/productId', 'This product is not on sale');
    const offer = await offerBook.acceptedOfferFor(episode.studioId, input.productId);
    if (!offer) throw invalid('/productId', 'The studio has not accepted an active offer for this product');
    return offer.id;
  }

  async function rowsOf(episodeId: string, liveOnly: boolean) {
    return db
      .select({ placement: placements, offerStatus: offers.status })
      .from(placements)
      .innerJoin(offers, eq(offers.id, placements.offerId))
      .where(and(eq(placements.episodeId, episodeId), liveOnly ? eq(offers.status, 'active') : undefined))
      .orderBy(asc(placements.startMs), asc(placements.id));
  }

  async function toViews(rows: Awaited<ReturnType<typeof rowsOf>>): Promise<PlacementView[]> {
    const facts = await products.productFacts([...new Set(rows.map((r) => r.placement.productId))]);
    return rows.map(({ placement: p, offerStatus }) => {
      const product = cardOf(facts.get(p.productId));
      return {
        id: p.id,
        episodeId: p.episodeId,
        offerId: p.offerId,
        productId: p.productId,
        startMs: p.startMs,
        endMs: p.endMs,
        box: boxOf(p),
        label: p.label,
        cta: p.cta,
        live: offerStatus === 'active' && product !== null,
        product,
      };
    });
  }

  async function ownPlacement(episodeId: string, placementId: string): Promise<PlacementRow> {
    const [row] = await db.select().from(placements).where(and(eq(placements.id, placementId), eq(placements.episodeId, episodeId)));
    if (!row) throw new AppError('NOT_FOUND', 'Placement not found');
    return row;
  }

  async function viewOf(id: string): Promise<PlacementView> {
    const rows = await db.select({ placement: placements, offerStatus: offers.status }).from(placements).innerJoin(offers, eq(offers.id, placements.offerId)).where(eq(placements.id, id));
    const [view] = await toViews(rows);
    if (!view) throw new AppError('NOT_FOUND', 'Placement not found');
    return view;
  }

  const boxColumns = (box: Box | null) => ({ boxX: box?.x ?? null, boxY: box?.y ?? null, boxW: box?.w ?? null, boxH: box?.h ?? null });

  return {
    offers: offerBook,

    async create(caller: Caller, episodeId: string, input: PlacementInput): Promise<PlacementView> {
      const episode = await episodes.requireManaged(caller, episodeId);
      const offerId = await validate(episode, input);
      const now = clock.now();
      const id = newId('placement');
      await db.insert(placements).values({
        id,
        episodeId,
        seriesId: episode.seriesId,
        studioId: episode.studioId,
        productId: input.productId,
        offerId,
        startMs: input.startMs,
        endMs: input.endMs,
        ...boxColumns(input.box ?? null),
        label: input.label,
        cta: input.cta.trim(),
        createdBy: caller.userId ?? '',
        createdAt: now,
        updatedAt: now,
      });
      return viewOf(id);
    },

    /** Changes any field; the result is validated as a whole, like a new placement. */
    async update(caller: Caller, episodeId: string, placementId: string, patch: Partial<PlacementInput>): Promise<PlacementView> {
      const episode = await episodes.requireManaged(caller, episodeId);
      const current = await ownPlacement(episodeId, placementId);
      const merged: PlacementInput = {
        productId: patch.productId ?? current.productId,
        startMs: patch.startMs ?? current.startMs,
        endMs: patch.endMs ?? current.endMs,
        box: patch.box === undefined ? boxOf(current) : patch.box,
        label: patch.label ?? current.label,
        cta: patch.cta ?? current.cta,
      };
      const offerId = await validate(episode, merged);
      await db
        .update(placements)
        .set({ productId: merged.productId, offerId, startMs: merged.startMs, endMs: merged.endMs, ...boxColumns(merged.box ?? null), label: merged.label, cta: merged.cta.trim(), updatedAt: clock.now() })
        .where(eq(placements.id, placementId));
      return viewOf(placementId);
    },

    async remove(caller: Caller, episodeId: string, placementId: string): Promise<void> {
      await episodes.requireManaged(caller, episodeId);
      const removed = await db.delete(placements).where(and(eq(placements.id, placementId), eq(placements.episodeId, episodeId))).returning({ id: placements.id });
      if (removed.length === 0) throw new AppError('NOT_FOUND', 'Placement not found');
    },

    /** Viewers who may watch the episode see its live placements; its managers see all of them. */
    async listForEpisode(caller: Caller, episodeId: string): Promise<PlacementView[]> {
      const { canManage } = await episodes.requireWatchable(caller, episodeId);
      const views = await toViews(await rowsOf(episodeId, !canManage));
      return canManage ? views : views.filter((v) => v.live);
    },

    /** Live placements among these ids and what each points at; unknown or withdrawn ones are absent. */
    async liveTargets(placementIds: string[]): Promise<Map<string, PlacementTarget>> {
      const result = new Map<string, PlacementTarget>();
      if (placementIds.length === 0) return result;
      const rows = await db
        .select({ id: placements.id, episodeId: placements.episodeId, seriesId: placements.seriesId, productId: placements.productId })
        .from(placements)
        .innerJoin(offers, eq(offers.id, placements.offerId))
        .where(and(inArray(placements.id, placementIds), eq(offers.status, 'active')));
      for (const r of rows) result.set(r.id, { placementId: r.id, episodeId: r.episodeId, seriesId: r.seriesId, productId: r.productId });
      return result;
    },
  };
}

export type PlacementsService = ReturnType<typeof createPlacementsService>;
