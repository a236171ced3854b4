import { and, asc, eq, sql } from 'drizzle-orm';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import { products, skus } from '../modules/commerce/schema.ts';
import type { TouchTargets } from '../modules/events/service.ts';
import type { PlaybackPlacement } from '../modules/media/service.ts';
import { offers, placements as placementsTable } from '../modules/placements/schema.ts';
import type { PlacementEpisodes, PlacementsService, ProductFacts, ProductLookup } from '../modules/placements/service.ts';
import { mayWatch, type WatchRuleDeps } from './episode-access.ts';

/**
 * The part of the commerce service placements read: products by id in one call (commerce's
 * `getProducts`). Structural, so any service returning at least these fields fits.
 */
export interface CommerceProducts {
  getProducts(productIds: string[]): Promise<Map<string, CommerceProduct>>;
}

export interface CommerceProduct {
  id: string;
  shopId: string;
  title: string;
  images: string[];
  status: 'active' | 'archived';
  /** The lowest SKU price and its currency; null without SKUs. */
  fromPriceMinor: number | null;
  currency: string | null;
  /** In creation order: the first is the card's default. */
  skus: { priceMinor: number; currency: string }[];
}

/** Products as placements see them (cards, ownership, on sale or not). */
export function productLookupFrom(commerce: CommerceProducts): ProductLookup {
  return {
    async productFacts(productIds) {
      const result = new Map<string, ProductFacts>();
      if (productIds.length === 0) return result;
      for (const [id, p] of await commerce.getProducts(productIds)) {
        const first = p.skus[0];
        result.set(id, {
          id: p.id,
          shopId: p.shopId,
          active: p.status === 'active',
          title: p.title,
          image: p.images[0] ?? null,
          priceMinor: first?.priceMinor ?? null,
          fromPriceMinor: p.fromPriceMinor,
          currency: first?.currency ?? p.currency,
        });
      }
      return result;
    },
  };
}

/**
 * Episodes as placements see them, from the catalog, with the same watch rule as playback
 * (free, managed, unlocked or in an active VIP): a locked episode's cards and touches are refused
 * just as its video is.
 */
export function placementEpisodesFrom(deps: WatchRuleDeps): PlacementEpisodes {
  const { catalog } = deps;
  return {
    async requireManaged(caller, episodeId) {
      await catalog.requireEpisodeManager(caller, episodeId);
      const facts = await catalog.episodeAccessFacts(caller, episodeId);
      if (!facts) throw new AppError('NOT_FOUND', 'Episode not found');
      return { episodeId, seriesId: facts.seriesId, studioId: facts.studioId, durationMs: facts.episode.durationMs };
    },
    async requireWatchable(caller: Caller, episodeId: string) {
      const facts = await catalog.episodeAccessFacts(caller, episodeId);
      if (!facts || (!facts.isPublic && !facts.canManage)) throw new AppError('NOT_FOUND', 'Episode not found');
      if (!(await mayWatch(deps, caller, facts, episodeId))) {
        throw new AppError('ENTITLEMENT_REQUIRED', `Episode ${facts.episode.number} costs ${facts.episode.priceCoins} coins`, { episodeId, priceCoins: facts.episode.priceCoins });
      }
      return { canManage: facts.canManage };
    },
  };
}

/** What the events module needs to stamp a touch: live placements, and the watch rule. */
export function touchTargetsFrom(placements: Pick<PlacementsService, 'liveTargets'>, episodes: PlacementEpisodes): TouchTargets {
  return {
    liveTargets: (ids) => placements.liveTargets(ids),
    requireWatchable: (caller, episodeId) => episodes.requireWatchable(caller, episodeId),
  };
}

/**
 * The playback response's cards in ONE query: the episode's placements whose offer is active and
 * whose product is active with at least one SKU, with the product's title, first image, first SKU's
 * price and lowest price (every SKU of a product has one currency). The same "live" rule as the
 * placements module's views.
 */
export function playbackCardsFrom(db: Db): (episodeId: string) => Promise<PlaybackPlacement[]> {
  const p = placementsTable;
  const firstSku = (column: typeof skus.priceMinor | typeof skus.currency) =>
    sql`(select ${column} from ${skus} where ${skus.productId} = ${products.id} order by ${skus.id} limit 1)`;
  // Every playback runs this: built once and prepared.
  const selectCards = db
    .select({
      id: p.id,
      productId: p.productId,
      startMs: p.startMs,
      endMs: p.endMs,
      boxX: p.boxX,
      boxY: p.boxY,
      boxW: p.boxW,
      boxH: p.boxH,
      label: p.label,
      cta: p.cta,
      title: products.title,
      image: sql<string | null>`${products.images} ->> 0`,
      priceMinor: firstSku(skus.priceMinor).mapWith(Number),
      currency: firstSku(skus.currency).mapWith(String),
      fromPriceMinor: sql`(select min(${skus.priceMinor}) from ${skus} where ${skus.productId} = ${products.id})`.mapWith(Number),
    })
    .from(p)
    .innerJoin(offers, and(eq(offers.id, p.offerId), eq(offers.status, 'active')))
    .innerJoin(products, and(eq(products.id, p.productId), eq(products.status, 'active')))
    .where(and(eq(p.episodeId, sql.placeholder('episodeId')), sql`exists (select 1 from ${skus} where ${skus.productId} = ${products.id})`))
    .orderBy(asc(p.startMs), asc(p.id))
    .prepare('placements_playback_cards');
  return async (episodeId) => {
    const rows = await selectCards.execute({ episodeId });
    return rows.map((r) => ({
      id: r.id,
      productId: r.productId,
      startMs: r.startMs,
      endMs: r.endMs,
      box: r.boxX === null || r.boxY === null || r.boxW === null || r.boxH === null ? null : { x: r.boxX, y: r.boxY, w: r.boxW, h: r.boxH },
      label: r.label,
      cta: r.cta,
      product: { title: r.title, image: r.image, priceMinor: r.priceMinor, currency: r.currency, fromPriceMinor: r.fromPriceMinor },
    }));
  };
}
