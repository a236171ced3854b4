/**
 * Shapes the commerce and order routes return to buyers and merchants alike (one server view each,
 * src/modules/commerce/views.ts and src/modules/orders/views.ts); what buyers get also names the
 * shop (`shopName` beside `shopId`). Kept by hand, like types.ts: the web app cannot import server files.
 */

export type StockState = 'in_stock' | 'low' | 'sold_out';
export type ProductStatus = 'active' | 'archived';

export interface Stock {
  state: StockState;
  available: number;
}

export interface Sku {
  id: string;
  productId: string;
  options: Record<string, string>;
  priceMinor: number;
  currency: string;
  stock: Stock;
}

/** `S`: the SKU view the caller gets (the owning merchant sees more). */
export interface Product<S extends Sku = Sku> {
  id: string;
  shopId: string;
  title: string;
  description: string;
  brand: string | null;
  category: string | null;
  images: string[];
  status: ProductStatus;
  source: string | null;
  sourceRef: string | null;
  fromPriceMinor: number | null;
  currency: string | null;
  stock: Stock;
  skus: S[];
  createdAt: string;
  updatedAt: string;
}

/** A product as its page shows it to anyone (GET /products/:id): with its shop's display name. */
export interface ProductDetail<S extends Sku = Sku> extends Product<S> {
  shopName: string;
}

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'refund_requested' | 'refunded';

export const ORDER_STATUSES: readonly OrderStatus[] = ['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'refund_requested', 'refunded'];

export interface Address {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  phone: string;
}

export interface ReturnTo {
  episodeId: string;
  atMs: number;
}

export interface Attribution {
  seriesId: string;
  episodeId: string;
  placementId: string;
  atMs: number;
  touchType: 'card_click' | 'card_impression';
  touchedAt: string;
}

export interface OrderLine {
  id: string;
  skuId: string;
  productId: string;
  title: string;
  /** The product's first image when it was bought. */
  image: string | null;
  options: Record<string, string>;
  unitPriceMinor: number;
  quantity: number;
  lineTotalMinor: number;
  refundedQuantity: number;
  /** Null: the purchase was outside every attribution window. */
  attribution: Attribution | null;
}

export interface Order {
  id: string;
  checkoutId: string;
  shopId: string;
  status: OrderStatus;
  currency: string;
  subtotalMinor: number;
  shippingMinor: number;
  totalMinor: number;
  refundedMinor: number;
  address: Address;
  returnTo: ReturnTo | null;
  paymentId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  refundRequest: { lineId: string; quantity: number }[] | null;
  reservedUntil: string;
  createdAt: string;
  paidAt: string | null;
  shippedAt: string | null;
  deliveredAt: string | null;
  cancelledAt: string | null;
  refundedAt: string | null;
  lines: OrderLine[];
}

/** An order as its buyer gets it (GET /orders, /orders/:id): with its shop's display name. */
export interface BuyerOrder extends Order {
  shopName: string;
}

export interface OrderPage<O extends Order = Order> {
  items: O[];
  nextCursor: string | null;
}
