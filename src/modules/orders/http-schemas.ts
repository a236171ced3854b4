import { Type } from '@sinclair/typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String();
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const IdParams = Type.Object({ id: Id });

export const OrderStatusSchema = Type.Union([
  Type.Literal('pending_payment'),
  Type.Literal('paid'),
  Type.Literal('shipped'),
  Type.Literal('delivered'),
  Type.Literal('cancelled'),
  Type.Literal('refund_requested'),
  Type.Literal('refunded'),
]);

export const AddressSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    postcode: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    phone: Type.String({ minLength: 3, maxLength: 30 }),
  },
  { additionalProperties: false },
);

export const ReturnToSchema = Type.Object({ episodeId: Id, atMs: Type.Integer({ minimum: 0, maximum: 24 * 3600_000 }) }, { additionalProperties: false });

export const RefundLinesSchema = Type.Array(Type.Object({ lineId: Id, quantity: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false }), {
  minItems: 1,
  maxItems: 100,
});

const AttributionSchema = Type.Object({
  seriesId: Type.String(),
  episodeId: Type.String(),
  placementId: Type.String(),
  atMs: Type.Integer(),
  touchType: Type.Union([Type.Literal('card_click'), Type.Literal('card_impression')]),
  touchedAt: Time,
});

export const OrderLineSchema = Type.Object({
  id: Type.String(),
  skuId: Type.String(),
  productId: Type.String(),
  title: Type.String(),
  image: Nullable(Type.String({ description: "The product's first image when it was bought" })),
  options: Type.Record(Type.String(), Type.String()),
  unitPriceMinor: Type.Integer(),
  quantity: Type.Integer(),
  lineTotalMinor: Type.Integer(),
  refundedQuantity: Type.Integer(),
  attribution: Nullable(AttributionSchema),
});

export const OrderSchema = Type.Object({
  id: Type.String(),
  checkoutId: Type.String(),
  userId: Type.String(),
  shopId: Type.String(),
  status: OrderStatusSchema,
  currency: Type.String(),
  subtotalMinor: Type.Integer(),
  shippingMinor: Type.Integer(),
  totalMinor: Type.Integer(),
  refundedMinor: Type.Integer(),
  address: Type.Object({
    name: Type.String(),
    line1: Type.String(),
    line2: Type.Optional(Type.String()),
    city: Type.String(),
    postcode: Type.String(),
    country: Type.String(),
    phone: Type.String(),
  }),
  returnTo: Nullable(Type.Object({ episodeId: Type.String(), atMs: Type.Integer() })),
  paymentId: Nullable(Type.String()),
  carrier: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
  refundRequest: Nullable(Type.Array(Type.Object({ lineId: Type.String(), quantity: Type.Integer() }))),
  reservedUntil: Time,
  createdAt: Time,
  updatedAt: Time,
  paidAt: Nullable(Time),
  shippedAt: Nullable(Time),
  deliveredAt: Nullable(Time),
  cancelledAt: Nullable(Time),
  refundedAt: Nullable(Time),
  lines: Type.Array(OrderLineSchema),
});

export const OrderPageSchema = Type.Object({ items: Type.Array(OrderSchema), nextCursor: Nullable(Type.String()) });

const ShopName = Type.String({ description: "The shop's display name ('' if the shop no longer exists)" });

/** An order as its buyer sees it: with the shop's display name beside its id. */
export const ShopNamedOrderSchema = Type.Composite([OrderSchema, Type.Object({ shopName: ShopName })]);

export const ShopNamedOrderPageSchema = Type.Object({ items: Type.Array(ShopNamedOrderSchema), nextCursor: Nullable(Type.String()) });

export const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

const SkuFactsSchema = Type.Object({
  skuId: Type.String(),
  productId: Type.String(),
  shopId: Type.String(),
  shopName: ShopName,
  title: Type.String(),
  options: Type.Record(Type.String(), Type.String()),
  image: Nullable(Type.String()),
  priceMinor: Type.Integer(),
  currency: Type.String(),
  available: Type.Integer(),
  active: Type.Boolean(),
});

export const CartSchema = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), skuId: Type.String(), quantity: Type.Integer(), sku: Nullable(SkuFactsSchema), addedAt: Time })),
  subtotals: Type.Array(Type.Object({ currency: Type.String(), amountMinor: Type.Integer() })),
});

export const WebhookEndpointSchema = Type.Object({
  id: Type.String(),
  shopId: Type.String(),
  url: Type.String(),
  secret: Type.Optional(
    Type.String({
      description: 'Verify Dualstream-Signature (t=…,v1=HMAC-SHA256(secret, t.body)) with it. Only in the answer that creates the endpoint or rotates the secret; never shown again',
    }),
  ),
  secretHint: Type.String({ description: 'The secret\'s last four characters (whsec_…abcd), to tell which one a receiver holds' }),
  enabled: Type.Boolean(),
  createdAt: Time,
  updatedAt: Time,
});

export const WebhookDeliverySchema = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  eventType: Type.Union([Type.Literal('order.paid'), Type.Literal('order.shipped'), Type.Literal('order.refunded')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  createdAt: Time,
  lastAttemptAt: Nullable(Time),
  deliveredAt: Nullable(Time),
});
