import type { Caller } from '../../http/context.ts';

/**
 * What placements need to know about products, which the commerce module owns. Implemented in
 * src/flows/placements.ts; one call answers for many products (never one query per product).
 */
export interface ProductFacts {
  id: string;
  shopId: string;
  /** Active products may be offered and shown; archived ones drop out of cards. */
  active: boolean;
  title: string;
  image: string | null;
  /** The product's first SKU: what the card shows; null when it has no SKU (nothing to buy). */
  priceMinor: number | null;
  /** The lowest SKU price in the card's currency ("from ¥…"). */
  fromPriceMinor: number | null;
  currency: string | null;
}

export interface ProductLookup {
  productFacts(productIds: string[]): Promise<Map<string, ProductFacts>>;
}

/** The episode facts a placement is validated against (catalog-owned). */
export interface PlacementEpisode {
  episodeId: string;
  seriesId: string;
  studioId: string;
  /** Null until the episode has a ready video: nothing can be placed on an unknown timeline. */
  durationMs: number | null;
}

export interface PlacementEpisodes {
  /** The caller manages the episode (a member of its studio, or an admin). Throws NOT_FOUND / FORBIDDEN. */
  requireManaged(caller: Caller, episodeId: string): Promise<PlacementEpisode>;
  /**
   * The caller may watch the episode now (the playback rule); `canManage` when the caller is one of
   * its managers. Throws NOT_FOUND / ENTITLEMENT_REQUIRED.
   */
  requireWatchable(caller: Caller, episodeId: string): Promise<{ canManage: boolean }>;
}

/** Org membership from identity: shops for merchants, studios for producers. */
export interface OrgMembership {
  orgIdsOf(userId: string, kind: 'studio' | 'shop'): Promise<string[]>;
}
