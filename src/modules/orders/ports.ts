import type { Tx } from '../../drivers/db/types.ts';

/**
 * What orders need from other modules, wired in app.ts (commerce owns SKUs and stock, identity the
 * shops, payments the money). One call answers for many SKUs, never one query per SKU.
 */
export interface SkuFacts {
  skuId: string;
  productId: string;
  shopId: string;
  title: string;
  options: Record<string, string>;
  image: string | null;
  priceMinor: number;
  currency: string;
  /** Units on sale now (0 when the product is archived). */
  available: number;
  /** The product is on sale (active); archived SKUs cannot be added or bought. */
  active: boolean;
}

export interface SkuLookup {
  skuFacts(skuIds: string[]): Promise<Map<string, SkuFacts>>;
}

/** Stock moves, each one atomic conditional UPDATE in the caller's transaction (commerce). */
export interface OrderStock {
  /**
   * held → committed (reserved → sold), when the order is paid. 'already_released' (or 'none'):
   * the hold was released before the payment came, and nothing was sold.
   */
  commitReservation(tx: Tx, reference: string): Promise<{ outcome: 'committed' | 'released' | 'already_committed' | 'already_released' | 'none' }>;
  /** held → released (reserved → available); a no-op for a reservation that is not held. */
  releaseReservation(tx: Tx, reference: string): Promise<unknown>;
  /** sold → available for refunded units, when the shop restocks on refund. */
  returnStock(tx: Tx, input: { reference: string; skuId: string; quantity: number }): Promise<void>;
  /** Whether the shop puts refunded units back on sale, read in the refund's transaction. */
  restockOnRefund(tx: Tx, shopId: string): Promise<boolean>;
  /** Releases held reservations past their expiry (a safety net); returns their references. */
  releaseExpired(now: Date, limit: number): Promise<string[]>;
}

export interface OrderPayments {
  /** Asks the provider to refund; the row id of our refund is the provider's idempotency reference. */
  refund(paymentId: string, amountMinor: number, reference: string): Promise<{ providerRefundId: string }>;
}

export interface ShopMembership {
  orgIdsOf(userId: string, kind: 'studio' | 'shop'): Promise<string[]>;
}

/** What buyers see of a shop beside its id (identity owns the names). */
export interface ShopNames {
  /** Display names by shop id, one query for the whole list; an unknown id is left out. */
  orgNames(orgIds: string[]): Promise<Map<string, string>>;
}
