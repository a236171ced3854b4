import type { Caller } from '../../http/context.ts';

/** Where a live placement points (the placements module's facts). */
export interface TouchTarget {
  placementId: string;
  episodeId: string;
  seriesId: string;
  productId: string;
}

/** Implemented in src/flows/placements.ts from the placements module and the watch rule. */
export interface TouchTargets {
  /** Live placements among these ids; unknown and withdrawn ones are absent. */
  liveTargets(placementIds: string[]): Promise<Map<string, TouchTarget>>;
  /** The caller may watch the episode now. Throws NOT_FOUND / ENTITLEMENT_REQUIRED. */
  requireWatchable(caller: Caller, episodeId: string): Promise<unknown>;
}
