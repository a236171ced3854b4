import { api, apiRequest } from './client.ts';
import type { Address, BuyerOrder, Order, OrderPage, ProductDetail, ReturnTo } from './commerce-types.ts';

/** Shapes and calls of the commerce contract (notes/commerce-contract.md): products, cart, checkout, orders. */

const enc = encodeURIComponent;

/** The shared shapes the shop pages use, so they import one module for the buyer's side. */
export type { Address, BuyerOrder, Order, OrderStatus, Product, ProductDetail, ReturnTo, Sku, Stock } from './commerce-types.ts';

/** A SKU as the cart sees it: price and stock now. */
export interface SkuFacts {
  skuId: string;
  productId: string;
  shopId: string;
  shopName: string;
  title: string;
  options: Record<string, string>;
  image: string | null;
  priceMinor: number;
  currency: string;
  available: number;
  active: boolean;
}

export interface CartItem {
  id: string;
  skuId: string;
  quantity: number;
  /** Null when the SKU no longer exists. */
  sku: SkuFacts | null;
  addedAt: string;
}

export interface Cart {
  items: CartItem[];
  /** Computed by the server, per currency. */
  subtotals: { currency: string; amountMinor: number }[];
}

export interface CheckoutInput {
  /** Buy now: these items; absent: the whole cart. */
  items?: { skuId: string; quantity: number }[];
  address: Address;
  returnTo?: ReturnTo;
}

export interface CheckoutResult {
  checkoutId: string;
  /** The orders as written; `shopName` only once the server's checkout answer carries it. */
  orders: (Order & { shopName?: string })[];
  paymentId: string;
  redirectUrl: string;
}

export const shop = {
  product: (id: string, signal?: AbortSignal) => api.get<ProductDetail>(`/api/v1/products/${enc(id)}`, signal),
  cart: () => api.get<Cart>('/api/v1/cart'),
  addToCart: (skuId: string, quantity: number) => api.post<Cart>('/api/v1/cart', { skuId, quantity }),
  setQuantity: (itemId: string, quantity: number) => api.patch<Cart>(`/api/v1/cart/items/${enc(itemId)}`, { quantity }),
  removeItem: (itemId: string) => api.delete<Cart>(`/api/v1/cart/items/${enc(itemId)}`),
  checkout: (input: CheckoutInput, idempotencyKey: string) =>
    apiRequest<CheckoutResult>('POST', '/api/v1/checkout', { body: input, idempotencyKey }),
  orders: (cursor: string | null) => api.get<OrderPage<BuyerOrder>>(`/api/v1/orders?limit=20${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  order: (id: string) => api.get<BuyerOrder>(`/api/v1/orders/${enc(id)}`),
  /** lines absent: the whole order. Moves no money (the shop's refund does), so no Idempotency-Key. */
  requestRefund: (id: string, lines: { lineId: string; quantity: number }[] | null) =>
    api.post<BuyerOrder>(`/api/v1/orders/${enc(id)}/refund-request`, lines ? { lines } : {}),
};

export const shopKeys = {
  product: (id: string) => ['shop', 'product', id] as const,
  cart: ['shop', 'cart'] as const,
  orders: ['shop', 'orders'] as const,
  order: (id: string) => ['shop', 'order', id] as const,
};
