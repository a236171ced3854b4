import { asc, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../drivers/db/types.ts';
import { orderLines, type OrderAddress, type OrderLineRow, type OrderRow, type OrderStatus, type OrderTouchType, type RefundLineRequest, type ReturnTo } from './schema.ts';

export interface Attribution {
  seriesId: string;
  episodeId: string;
  placementId: string;
  atMs: number;
  touchType: OrderTouchType;
  touchedAt: string;
}

export interface OrderLineView {
  id: string;
  skuId: string;
  productId: string;
  title: string;
  /** The product's first image at the time of purchase, if it had one. */
  image: string | null;
  options: Record<string, string>;
  unitPriceMinor: number;
  quantity: number;
  lineTotalMinor: number;
  refundedQuantity: number;
  /** Null: the purchase was outside every attribution window. */
  attribution: Attribution | null;
}

export interface OrderView {
  id: string;
  checkoutId: string;
  userId: string;
  shopId: string;
  status: OrderStatus;
  currency: string;
  subtotalMinor: number;
  shippingMinor: number;
  totalMinor: number;
  refundedMinor: number;
  address: OrderAddress;
  returnTo: ReturnTo | null;
  paymentId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  refundRequest: RefundLineRequest[] | null;
  reservedUntil: string;
  createdAt: string;
  updatedAt: string;
  paidAt: string | null;
  shippedAt: string | null;
  deliveredAt: string | null;
  cancelledAt: string | null;
  refundedAt: string | null;
  lines: OrderLineView[];
}

/** A view as buyers get it: with its shop's display name beside the shop's id. */
export type ShopNamed<T extends { shopId: string }> = T & { shopName: string };

/** Names a view's shop from a lookup made once for the whole list ('' for a shop that is gone). */
export function withShopName<T extends { shopId: string }>(view: T, names: ReadonlyMap<string, string>): ShopNamed<T> {
  return { ...view, shopName: names.get(view.shopId) ?? '' };
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function attributionOf(row: OrderLineRow): Attribution | null {
  const { seriesId, episodeId, placementId, atMs, touchType, touchedAt } = row;
  if (seriesId === null || episodeId === null || placementId === null || atMs === null || touchType === null || touchedAt === null) return null;
  return { seriesId, episodeId, placementId, atMs, touchType, touchedAt: touchedAt.toISOString() };
}

export function lineView(row: OrderLineRow): OrderLineView {
  return {
    id: row.id,
    skuId: row.skuId,
    productId: row.productId,
    title: row.title,
    image: row.image,
    options: row.options,
    unitPriceMinor: row.unitPriceMinor,
    quantity: row.quantity,
    lineTotalMinor: row.lineTotalMinor,
    refundedQuantity: row.refundedQuantity,
    attribution: attributionOf(row),
  };
}

export function orderView(row: OrderRow, lines: OrderLineRow[]): OrderView {
  return {
    id: row.id,
    checkoutId: row.checkoutId,
    userId: row.userId,
    shopId: row.shopId,
    status: row.status,
    currency: row.currency,
    subtotalMinor: row.subtotalMinor,
    shippingMinor: row.shippingMinor,
    totalMinor: row.totalMinor,
    refundedMinor: row.refundedMinor,
    address: row.address,
    returnTo: row.returnTo ?? null,
    paymentId: row.paymentId,
    carrier: row.carrier,
    trackingNumber: row.trackingNumber,
    refundRequest: row.refundRequest ?? null,
    reservedUntil: row.reservedUntil.toISOString(),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    paidAt: iso(row.paidAt),
    shippedAt: iso(row.shippedAt),
    deliveredAt: iso(row.deliveredAt),
    cancelledAt: iso(row.cancelledAt),
    refundedAt: iso(row.refundedAt),
    lines: lines.map(lineView),
  };
}

/** Views for many orders with one query for all their lines. */
export async function orderViews(db: DbOrTx, rows: OrderRow[]): Promise<OrderView[]> {
  if (rows.length === 0) return [];
  const lines = await db
    .select()
    .from(orderLines)
    .where(
      inArray(
        orderLines.orderId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(orderLines.id));
  const byOrder = new Map<string, OrderLineRow[]>();
  for (const line of lines) byOrder.set(line.orderId, [...(byOrder.get(line.orderId) ?? []), line]);
  return rows.map((row) => orderView(row, byOrder.get(row.id) ?? []));
}
