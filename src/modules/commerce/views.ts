import type { products, shopSettings, skus } from './schema.ts';
import type { ShopSettingsView } from './settings.ts';

export type ProductRow = typeof products.$inferSelect;
export type SkuRow = typeof skus.$inferSelect;
export type ShopSettingsRow = typeof shopSettings.$inferSelect;

export type StockState = 'in_stock' | 'low' | 'sold_out';

/** At or below this many available units a SKU shows "only a few left". */
export const LOW_STOCK_THRESHOLD = 5;

export interface SkuView {
  id: string;
  productId: string;
  options: Record<string, string>;
  priceMinor: number;
  currency: string;
  stock: { state: StockState; available: number };
}

/** What the owning merchant sees on top of the public view. */
export interface SkuMerchantView extends SkuView {
  stockReserved: number;
  stockSold: number;
}

export interface ProductView {
  id: string;
  shopId: string;
  title: string;
  description: string;
  brand: string | null;
  category: string | null;
  images: string[];
  status: 'active' | 'archived';
  source: string | null;
  sourceRef: string | null;
  /** The lowest SKU price and its currency (every SKU of a product has one currency); null without SKUs. */
  fromPriceMinor: number | null;
  currency: string | null;
  stock: { state: StockState; available: number };
  skus: SkuView[];
  createdAt: string;
  updatedAt: string;
}

/** A product as its page (the player's sheet) shows it: with its shop's display name, and whether the caller may manage it. */
export type ProductPageView = ProductView & { shopName: string; canManage: boolean };

export interface SkuWithProduct {
  sku: SkuView;
  product: ProductView;
  /** The selling shop's settings (shipping), read in the same round trip. */
  shop: ShopSettingsView;
}

export function stockState(available: number): StockState {
  if (available <= 0) return 'sold_out';
  return available <= LOW_STOCK_THRESHOLD ? 'low' : 'in_stock';
}

export function toSkuView(row: SkuRow, productActive = true): SkuView {
  // An archived product is not on sale, whatever its counters say.
  const available = productActive ? row.stockAvailable : 0;
  return {
    id: row.id,
    productId: row.productId,
    options: row.options,
    priceMinor: row.priceMinor,
    currency: row.currency,
    stock: { state: stockState(available), available },
  };
}

export function toSkuMerchantView(row: SkuRow, productActive = true): SkuMerchantView {
  return { ...toSkuView(row, productActive), stockReserved: row.stockReserved, stockSold: row.stockSold };
}

/** SKUs in creation order (ids are time-ordered), so the first one is the card's default. */
export function toProductView<S extends SkuView>(row: ProductRow, skuRows: SkuRow[], skuView: (sku: SkuRow, active: boolean) => S): Omit<ProductView, 'skus'> & { skus: S[] } {
  const active = row.status === 'active';
  const ordered = [...skuRows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const views = ordered.map((sku) => skuView(sku, active));
  const available = views.reduce((sum, sku) => sum + sku.stock.available, 0);
  const from = views.reduce<SkuView | null>((low, sku) => (low === null || sku.priceMinor < low.priceMinor ? sku : low), null);
  return {
    id: row.id,
    shopId: row.shopId,
    title: row.title,
    description: row.description,
    brand: row.brand,
    category: row.category,
    images: row.images,
    status: row.status,
    source: row.source,
    sourceRef: row.sourceRef,
    fromPriceMinor: from?.priceMinor ?? null,
    currency: from?.currency ?? null,
    stock: { state: stockState(available), available },
    skus: views,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
