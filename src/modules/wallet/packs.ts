/** Coin packs sold through the payments driver. Bonus coins in a pack expire like any bonus. */
export interface CoinPack {
  id: string;
  coins: number;
  bonus: number;
  priceMinor: number;
  currency: string;
}

export const COIN_PACKS: readonly CoinPack[] = [
  { id: 'pack_100', coins: 100, bonus: 0, priceMinor: 99, currency: 'USD' },
  { id: 'pack_300', coins: 300, bonus: 15, priceMinor: 299, currency: 'USD' },
  { id: 'pack_500', coins: 500, bonus: 50, priceMinor: 499, currency: 'USD' },
  { id: 'pack_1000', coins: 1000, bonus: 150, priceMinor: 999, currency: 'USD' },
  { id: 'pack_2000', coins: 2000, bonus: 400, priceMinor: 1999, currency: 'USD' },
];

export function findPack(id: string): CoinPack | null {
  return COIN_PACKS.find((p) => p.id === id) ?? null;
}

export const CHECK_IN_COINS = 10;
/** Every 7th consecutive day adds this on top of the daily reward. */
export const CHECK_IN_STREAK_BONUS = 20;
export const CHECK_IN_BONUS_TTL_MS = 7 * 24 * 3600_000;
export const PACK_BONUS_TTL_MS = 30 * 24 * 3600_000;

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function startOfUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}
