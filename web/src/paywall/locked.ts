import { isApiError } from '../api/client.ts';
import type { UnlockOptions } from '../api/paywall.ts';

export interface Locked {
  kind: 'locked';
  priceCoins: number;
  unlock: UnlockOptions | null;
}

function isUnlockOptions(value: unknown): value is UnlockOptions {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.episodeId === 'string' && typeof v.priceCoins === 'number' && typeof v.costToFinishCoins === 'number' && Array.isArray(v.packs);
}

/** A 403 ENTITLEMENT_REQUIRED playback answer as the player's locked state; null for any other failure. */
export function lockedFrom(error: unknown, fallbackPrice: number): Locked | null {
  if (!isApiError(error, 'ENTITLEMENT_REQUIRED')) return null;
  const price = error.extra.priceCoins;
  const unlock = error.extra.unlock;
  return { kind: 'locked', priceCoins: typeof price === 'number' ? price : fallbackPrice, unlock: isUnlockOptions(unlock) ? unlock : null };
}
