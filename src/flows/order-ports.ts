import type { CommerceService } from '../modules/commerce/service.ts';
import type { OrderStock, SkuFacts, SkuLookup } from '../modules/orders/service.ts';

/** The orders module's view of SKUs, from commerce (one call for many SKUs). */
export function skuLookupFrom(commerce: Pick<CommerceService, 'getSkus'>): SkuLookup {
  return {
    async skuFacts(skuIds) {
      const found = await commerce.getSkus(skuIds);
      const facts = new Map<string, SkuFacts>();
      for (const [skuId, { sku, product }] of found) {
        facts.set(skuId, {
          skuId,
          productId: product.id,
          shopId: product.shopId,
          title: product.title,
          options: sku.options,
          image: product.images[0] ?? null,
          priceMinor: sku.priceMinor,
          currency: sku.currency,
          available: sku.stock.available,
          active: product.status === 'active',
        });
      }
      return facts;
    },
  };
}

/** The stock moves orders make after checkout (commit, release, return), from commerce. */
export function orderStockFrom(
  commerce: Pick<CommerceService, 'commitReservation' | 'releaseReservation' | 'returnStock' | 'releaseExpired' | 'shopSettings'>,
): OrderStock {
  return {
    commitReservation: (tx, reference) => commerce.commitReservation(tx, reference),
    releaseReservation: (tx, reference) => commerce.releaseReservation(tx, reference),
    returnStock: (tx, input) => commerce.returnStock(tx, input),
    releaseExpired: (now, limit) => commerce.releaseExpired(now, limit),
    restockOnRefund: async (tx, shopId) => (await commerce.shopSettings(shopId, tx)).restockOnRefund,
  };
}
