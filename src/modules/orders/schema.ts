import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const ORDER_STATUSES = ['pending_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'refund_requested', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const ORDER_TOUCH_TYPES = ['card_click', 'card_impression'] as const;
export type OrderTouchType = (typeof ORDER_TOUCH_TYPES)[number];
export const WEBHOOK_EVENT_TYPES = ['order.paid', 'order.shipped', 'order.refunded'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface OrderAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  country: string;
  phone: string;
}

export interface ReturnTo {
  episodeId: string;
  atMs: number;
}

export interface RefundLineRequest {
  lineId: string;
  quantity: number;
}

/** A signed-in viewer's cart: one row per SKU, so adding twice adds to the quantity. */
export const cartItems = pgTable(
  'cart_items',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    skuId: text('sku_id').notNull(),
    quantity: integer('quantity').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('cart_items_user_sku_unique').on(t.userId, t.skuId), check('cart_items_quantity_check', sql`${t.quantity} between 1 and 99`)],
);

/**
 * One order per shop per checkout. The checkout id is the payment's reference: one payment pays
 * every order of a checkout. Shop, user, SKU and payment ids belong to other modules: no foreign keys.
 */
export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    checkoutId: text('checkout_id').notNull(),
    userId: text('user_id').notNull(),
    shopId: text('shop_id').notNull(),
    currency: text('currency').notNull(),
    subtotalMinor: bigint('subtotal_minor', { mode: 'number' }).notNull(),
    shippingMinor: bigint('shipping_minor', { mode: 'number' }).notNull(),
    totalMinor: bigint('total_minor', { mode: 'number' }).notNull(),
    refundedMinor: bigint('refunded_minor', { mode: 'number' }).notNull().default(0),
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('pending_payment'),
    address: jsonb('address').$type<OrderAddress>().notNull(),
    returnTo: jsonb('return_to').$type<ReturnTo>(),
    paymentId: text('payment_id'),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    /** The lines the viewer asked to refund (null: the whole order). */
    refundRequest: jsonb('refund_request').$type<RefundLineRequest[]>(),
    /** Unpaid past this, the expiry job cancels the order and releases its stock. */
    reservedUntil: timestamp('reserved_until', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    refundedAt: timestamp('refunded_at', { withTimezone: true }),
  },
  (t) => [
    check('orders_status_check', sql`${t.status} in ('pending_payment','paid','shipped','delivered','cancelled','refund_requested','refunded')`),
    check('orders_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('orders_amounts_check', sql`${t.subtotalMinor} > 0 and ${t.shippingMinor} >= 0 and ${t.totalMinor} = ${t.subtotalMinor} + ${t.shippingMinor}`),
    check('orders_refunded_check', sql`${t.refundedMinor} >= 0 and ${t.refundedMinor} <= ${t.totalMinor}`),
    index('orders_user_idx').on(t.userId, t.id),
    index('orders_shop_idx').on(t.shopId, t.id),
    index('orders_checkout_idx').on(t.checkoutId),
    // The expiry job reads only unpaid orders that are due.
    index('orders_due_idx').on(t.reservedUntil).where(sql`${t.status} = 'pending_payment'`),
  ],
);

/**
 * A line keeps what was bought at what price (title and options are snapshots), and how the viewer
 * came to it: the attribution columns are all null for an unattributed purchase, all set otherwise.
 */
export const orderLines = pgTable(
  'order_lines',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    skuId: text('sku_id').notNull(),
    productId: text('product_id').notNull(),
    title: text('title').notNull(),
    /** The product's first image when bought, as the title: the order shows what was bought then. */
    image: text('image'),
    options: jsonb('options').$type<Record<string, string>>().notNull(),
    unitPriceMinor: bigint('unit_price_minor', { mode: 'number' }).notNull(),
    quantity: integer('quantity').notNull(),
    lineTotalMinor: bigint('line_total_minor', { mode: 'number' }).notNull(),
    refundedQuantity: integer('refunded_quantity').notNull().default(0),
    seriesId: text('series_id'),
    episodeId: text('episode_id'),
    placementId: text('placement_id'),
    atMs: integer('at_ms'),
    touchType: text('touch_type', { enum: ORDER_TOUCH_TYPES }),
    touchedAt: timestamp('touched_at', { withTimezone: true }),
  },
  (t) => [
    check('order_lines_amounts_check', sql`${t.unitPriceMinor} > 0 and ${t.quantity} > 0 and ${t.lineTotalMinor} = ${t.unitPriceMinor} * ${t.quantity}`),
    check('order_lines_refunded_check', sql`${t.refundedQuantity} >= 0 and ${t.refundedQuantity} <= ${t.quantity}`),
    check(
      'order_lines_attribution_check',
      sql`(${t.placementId} is null and ${t.episodeId} is null and ${t.seriesId} is null and ${t.atMs} is null and ${t.touchType} is null and ${t.touchedAt} is null) or (${t.placementId} is not null and ${t.episodeId} is not null and ${t.seriesId} is not null and ${t.atMs} >= 0 and ${t.touchType} in ('card_click','card_impression') and ${t.touchedAt} is not null)`,
    ),
    index('order_lines_order_idx').on(t.orderId),
    index('order_lines_placement_idx').on(t.placementId).where(sql`${t.placementId} is not null`),
  ],
);

/**
 * Money going back: written in the transaction that changes the order, then a queue job asks the
 * payment provider (the row id is the provider's idempotency reference, so a retried job refunds once).
 */
export const orderRefunds = pgTable(
  'order_refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    paymentId: text('payment_id').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    /** 'merchant': the shop refunded; 'late_payment': paid after the order was cancelled. */
    reason: text('reason', { enum: ['merchant', 'late_payment'] }).notNull(),
    lines: jsonb('lines').$type<RefundLineRequest[]>().notNull(),
    status: text('status', { enum: ['pending', 'requested', 'succeeded', 'failed'] }).notNull().default('pending'),
    providerRefundId: text('provider_refund_id'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    check('order_refunds_amount_check', sql`${t.amountMinor} > 0`),
    check('order_refunds_reason_check', sql`${t.reason} in ('merchant','late_payment')`),
    check('order_refunds_status_check', sql`${t.status} in ('pending','requested','succeeded','failed')`),
    index('order_refunds_order_idx').on(t.orderId),
  ],
);

/** Where a shop wants its order events; one endpoint per shop. */
export const merchantWebhookEndpoints = pgTable(
  'merchant_webhook_endpoints',
  {
    id: text('id').primaryKey(),
    shopId: text('shop_id').notNull(),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('merchant_webhook_endpoints_shop_unique').on(t.shopId)],
);

/** One event for one endpoint; the body is fixed at creation so every retry sends the same bytes. */
export const merchantWebhookDeliveries = pgTable(
  'merchant_webhook_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => merchantWebhookEndpoints.id, { onDelete: 'cascade' }),
    shopId: text('shop_id').notNull(),
    orderId: text('order_id').notNull(),
    eventType: text('event_type', { enum: WEBHOOK_EVENT_TYPES }).notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    check('merchant_webhook_deliveries_type_check', sql`${t.eventType} in ('order.paid','order.shipped','order.refunded')`),
    check('merchant_webhook_deliveries_status_check', sql`${t.status} in ('pending','delivered','failed')`),
    index('merchant_webhook_deliveries_shop_idx').on(t.shopId, t.id),
  ],
);

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
export type CartItemRow = typeof cartItems.$inferSelect;
export type OrderRefundRow = typeof orderRefunds.$inferSelect;
export type WebhookEndpointRow = typeof merchantWebhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof merchantWebhookDeliveries.$inferSelect;
