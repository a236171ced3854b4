import type { ReturnTo } from '../api/shop.ts';

/** Where shopping pages come from and go back to, carried in the address so a reload or a sign-in keeps it. */

export function watchPath(returnTo: ReturnTo): string {
  return `/watch/${encodeURIComponent(returnTo.episodeId)}?at=${returnTo.atMs}`;
}

export function returnToParams(returnTo: ReturnTo | null): string {
  return returnTo ? `ep=${encodeURIComponent(returnTo.episodeId)}&at=${returnTo.atMs}` : '';
}

export function returnToFrom(search: URLSearchParams): ReturnTo | null {
  const episodeId = search.get('ep');
  const atMs = Number(search.get('at'));
  if (!episodeId || !search.has('at') || !Number.isInteger(atMs) || atMs < 0) return null;
  return { episodeId, atMs };
}

export interface BuyNow {
  productId: string;
  skuId: string;
  quantity: number;
}

export function checkoutPath(buyNow: BuyNow | null, returnTo: ReturnTo | null): string {
  const params = [
    buyNow ? `product=${encodeURIComponent(buyNow.productId)}&sku=${encodeURIComponent(buyNow.skuId)}&qty=${buyNow.quantity}` : '',
    returnToParams(returnTo),
  ].filter(Boolean);
  return `/checkout${params.length ? `?${params.join('&')}` : ''}`;
}

export function cartPath(returnTo: ReturnTo | null): string {
  const params = returnToParams(returnTo);
  return `/cart${params ? `?${params}` : ''}`;
}

export function signInPath(next: string): string {
  return `/signin?next=${encodeURIComponent(next)}`;
}
