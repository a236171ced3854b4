import { api, apiRequest } from './client.ts';
import type { Order, OrderPage, OrderStatus, Product, ProductStatus, Sku } from './commerce-types.ts';

/** Shapes of the commerce, placements and shop-order routes (issue 3). Kept by hand, like types.ts. */

/** What the owning merchant sees of a SKU on top of the public view. */
export interface MerchantSku extends Sku {
  stockReserved?: number;
  stockSold?: number;
}

export type MerchantProduct = Product<MerchantSku>;

export interface ProductPage {
  items: MerchantProduct[];
  nextCursor: string | null;
}

export interface SkuInput {
  options?: Record<string, string>;
  priceMinor: number;
  currency: string;
  stock?: number;
}

export interface ProductInput {
  title: string;
  description?: string;
  brand?: string | null;
  category?: string | null;
  images?: string[];
  status?: ProductStatus;
  skus: SkuInput[];
}

export type ProductPatch = Partial<Omit<ProductInput, 'skus'>>;

export interface SkuPatch {
  priceMinor?: number;
  options?: Record<string, string>;
  stockAdjust?: number;
}

export type CatalogueFormat = 'litemall' | 'online_retail';

export interface ImportReport {
  format: string;
  shopId: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: { line: number; sourceRef: string | null; reason: string }[];
}

export interface ProductCard {
  title: string;
  image: string | null;
  priceMinor: number;
  fromPriceMinor: number;
  currency: string;
}

export interface Offer {
  id: string;
  shopId: string;
  productId: string;
  commissionBps: number;
  audience: 'all' | 'studios';
  studioIds: string[];
  status: 'active' | 'withdrawn';
  createdAt: string;
  acceptances: number;
  acceptedByMe: boolean;
  product: ProductCard | null;
}

export interface OfferInput {
  productId: string;
  commissionBps: number;
  audience: 'all' | 'studios';
  studioIds?: string[];
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type PlacementLabel = 'same' | 'similar';

export interface Placement {
  id: string;
  episodeId: string;
  offerId: string;
  productId: string;
  startMs: number;
  endMs: number;
  box: Box | null;
  label: PlacementLabel;
  cta: string;
  live: boolean;
  product: ProductCard | null;
}

export interface PlacementInput {
  productId: string;
  startMs: number;
  endMs: number;
  box: Box | null;
  label: PlacementLabel;
  cta: string;
}

export interface WebhookEndpoint {
  id: string;
  shopId: string;
  url: string;
  /** Only in the answer that creates the endpoint or rotates the secret. */
  secret?: string;
  /** `whsec_…abcd` */
  secretHint: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  id: string;
  orderId: string;
  eventType: 'order.paid' | 'order.shipped' | 'order.refunded';
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

const enc = encodeURIComponent;

export const merchantApi = {
  products: (cursor: string | null, limit = 20) =>
    api.get<ProductPage>(`/api/v1/products?limit=${limit}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  createProduct: (input: ProductInput) => api.post<MerchantProduct>('/api/v1/products', input),
  updateProduct: (id: string, patch: ProductPatch) => api.patch<MerchantProduct>(`/api/v1/products/${enc(id)}`, patch),
  addSku: (productId: string, input: SkuInput) => api.post<MerchantSku>(`/api/v1/products/${enc(productId)}/skus`, input),
  /** A stock delta needs an Idempotency-Key: a retried adjustment must not count twice. */
  updateSku: (id: string, patch: SkuPatch, idempotencyKey?: string) =>
    apiRequest<MerchantSku>('PATCH', `/api/v1/skus/${enc(id)}`, { body: patch, ...(idempotencyKey ? { idempotencyKey } : {}) }),
  importCatalogue: (format: CatalogueFormat, csv: Blob) =>
    apiRequest<ImportReport>('POST', `/api/v1/products/import?format=${enc(format)}`, { blob: new Blob([csv], { type: 'text/csv' }) }),

  offers: () => api.get<{ items: Offer[] }>('/api/v1/offers'),
  createOffer: (input: OfferInput) => api.post<Offer>('/api/v1/offers', input),
  withdrawOffer: (id: string) => api.post<Offer>(`/api/v1/offers/${enc(id)}/withdraw`),
  acceptOffer: (id: string) => api.post<Offer>(`/api/v1/offers/${enc(id)}/accept`, {}),

  placements: (episodeId: string) => api.get<{ items: Placement[] }>(`/api/v1/episodes/${enc(episodeId)}/placements`),
  createPlacement: (episodeId: string, input: PlacementInput) => api.post<Placement>(`/api/v1/episodes/${enc(episodeId)}/placements`, input),
  updatePlacement: (episodeId: string, id: string, patch: Partial<PlacementInput>) =>
    api.patch<Placement>(`/api/v1/episodes/${enc(episodeId)}/placements/${enc(id)}`, patch),
  removePlacement: (episodeId: string, id: string) => api.delete<void>(`/api/v1/episodes/${enc(episodeId)}/placements/${enc(id)}`),

  shopOrders: (status: OrderStatus | null, cursor: string | null) => {
    const query = new URLSearchParams({ limit: '20' });
    if (status) query.set('status', status);
    if (cursor) query.set('cursor', cursor);
    return api.get<OrderPage>(`/api/v1/shop/orders?${query.toString()}`);
  },
  ship: (id: string, carrier: string, trackingNumber: string) => api.post<Order>(`/api/v1/shop/orders/${enc(id)}/ship`, { carrier, trackingNumber }),
  deliver: (id: string) => api.post<Order>(`/api/v1/shop/orders/${enc(id)}/deliver`),
  /** lines absent: the whole order (or what the buyer asked for). */
  refund: (id: string, lines: { lineId: string; quantity: number }[] | null, idempotencyKey: string) =>
    apiRequest<Order>('POST', `/api/v1/shop/orders/${enc(id)}/refund`, { body: lines ? { lines } : {}, idempotencyKey }),

  webhooks: () => api.get<{ endpoint: WebhookEndpoint | null; deliveries: WebhookDelivery[] }>('/api/v1/shop/webhooks'),
  putWebhook: (body: { url: string; enabled?: boolean }) => api.put<WebhookEndpoint>('/api/v1/shop/webhooks', body),
  rotateWebhookSecret: () => api.post<WebhookEndpoint>('/api/v1/shop/webhooks/rotate-secret'),
};

export const merchantKeys = {
  products: ['merchant', 'products'] as const,
  offers: ['offers'] as const,
  orders: (status: OrderStatus | null) => ['merchant', 'orders', status ?? 'all'] as const,
  webhooks: ['merchant', 'webhooks'] as const,
  placements: (episodeId: string) => ['placements', episodeId] as const,
};
