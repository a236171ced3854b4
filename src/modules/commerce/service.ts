/**
 * The commerce module's public face: products, SKUs, stock and shop settings. Other modules and
 * flows (placements, orders/checkout) call only this.
 *
 * Reads (views carry price as integer minor units + ISO currency, and a stock state):
 * - `getProducts(ids)` → Map<productId, ProductView> (archived ones included, `status` says so;
 *   `fromPriceMinor`/`currency` = the lowest SKU price; `skus` in creation order).
 * - `getSku(skuId)` → { sku, product, shop } | null; `getSkus(ids)` → Map<skuId, { sku, product, shop }>.
 *   `sku.stock` = { state: 'in_stock' | 'low' | 'sold_out', available } (an archived product's
 *   SKUs read as sold out).
 * - `listProducts(caller, cursor, { limit, shopId, status })` → the merchant's own products.
 *
 * Stock primitives: pass your transaction; each counter move is one conditional UPDATE.
 * - `reserveStock(tx, { reference, lines: [{ skuId, quantity }], expiresAt })` → ReserveResult.
 *   All or nothing (its own savepoint); throws AppError INSUFFICIENT_STOCK with `{ skuId, available }`
 *   (an archived product counts as 0 available) or NOT_FOUND for an unknown SKU. The same reference
 *   with the same lines again is a no-op (`replayed: true`); with other lines → CONFLICT.
 * - `commitReservation(tx, reference)` held → committed (reserved → sold). Returns
 *   `{ outcome: 'committed' | 'already_committed' | 'already_released' | 'none', lines }`:
 *   'already_released' means the hold expired before the payment came, nothing was sold.
 * - `releaseReservation(tx, reference)` held → released (reserved → available); idempotent,
 *   same result shape ('released' | 'already_released' | 'already_committed' | 'none').
 * - `releaseExpired(now, limit)` → references released (own transaction; FOR UPDATE SKIP LOCKED,
 *   a reference is released whole and by one caller only).
 * - `returnStock(tx, { reference, skuId, quantity })` sold → available for a refund with restock;
 *   never more than the reference committed for that SKU (else INVALID_STATE).
 *
 * Shops: `shopSettings(shopId)` (defaults when the shop set nothing) and
 * `quoteShipping(settings, subtotalMinor, currency)` → { shippingMinor, currency, rule }, from settings
 *   already read (getSkus gives each SKU's `shop`).
 *
 * Merchant operations behind the routes: createProduct, getProduct, updateProduct, addSku,
 * updateSku, importCatalogue / importItems (+ parseCatalogue), mySettings, putSettings.
 */
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { IdentityService } from '../identity/service.ts';
import type { ShopMembership } from './access.ts';
import { createCatalogueImport } from './import-csv.ts';
import { createProducts } from './products.ts';
import { createShopSettings, quoteShipping } from './settings.ts';
import { createStockPrimitives } from './stock.ts';
import type { ProductPageView } from './views.ts';

export type { ShopMembership } from './access.ts';
export { CATALOGUE_FORMATS, parseCatalogue, type CatalogueFormat, type ImportItem, type ImportReport, type ImportSkip, type ParsedCatalogue } from './import-csv.ts';
export type { MerchantProductView, ProductInput, ProductPatch, SkuInput, SkuPatch } from './products.ts';
export type { ShippingQuote, ShopSettingsInput, ShopSettingsView } from './settings.ts';
export type { ReservationChange, ReservationOutcome, ReserveInput, ReserveResult, StockLine } from './stock.ts';
export { LOW_STOCK_THRESHOLD, type ProductPageView, type ProductView, type SkuMerchantView, type SkuView, type SkuWithProduct, type StockState } from './views.ts';
export { decimalToMinor, minorDigits, minorToDecimal } from './decimal.ts';

export type CommerceService = ReturnType<typeof createCommerceService>;

/** What commerce needs of identity: who may manage a shop, and what a shop is called. */
export type CommerceIdentity = ShopMembership & Pick<IdentityService, 'orgNames'>;

export function createCommerceService(deps: { db: Db; identity: CommerceIdentity; clock: Clock }) {
  const stock = createStockPrimitives(deps);
  const catalogue = createProducts({ ...deps, stock });
  const settings = createShopSettings(deps);
  const importer = createCatalogueImport(deps);

  /** The product page: the catalogue's view, named with its shop (identity owns the name). */
  async function getProduct(caller: Caller, productId: string): Promise<ProductPageView> {
    const product = await catalogue.getProduct(caller, productId);
    const names = await deps.identity.orgNames([product.shopId]);
    return { ...product, shopName: names.get(product.shopId) ?? '' };
  }

  return {
    // Reads for other modules
    getProducts: catalogue.getProducts,
    getSku: catalogue.getSku,
    getSkus: catalogue.getSkus,
    listProducts: catalogue.listProducts,
    // Stock primitives
    reserveStock: stock.reserveStock,
    commitReservation: stock.commitReservation,
    releaseReservation: stock.releaseReservation,
    releaseExpired: stock.releaseExpired,
    returnStock: stock.returnStock,
    // Shops
    shopSettings: settings.shopSettings,
    quoteShipping,
    // Merchant operations
    createProduct: catalogue.createProduct,
    getProduct,
    updateProduct: catalogue.updateProduct,
    addSku: catalogue.addSku,
    updateSku: catalogue.updateSku,
    adjustStock: stock.adjustStock,
    importCatalogue: importer.importCatalogue,
    importItems: importer.importItems,
    mySettings: settings.mySettings,
    putSettings: settings.putSettings,
    saveSettings: settings.saveSettings,
  };
}
