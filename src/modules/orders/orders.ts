import { and, asc, desc, eq, inArray, lt, lte, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx, Tx } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { MerchantWebhooks } from './merchant-webhooks.ts';
import type { OrderStock } from './ports.ts';
import type { Refunds } from './refunds.ts';
import { orderLines, orders, type OrderAddress, type OrderRow, type OrderStatus, type OrderTouchType, type RefundLineRequest, type ReturnTo } from './schema.ts';
import { nextStatus, planRefund } from './state.ts';
import { orderView, orderViews, type OrderView } from './views.ts';

export interface OrderLineDraft {
  skuId: string;
  productId: string;
  title: string;
  image: string | null;
  options: Record<string, string>;
  unitPriceMinor: number;
  quantity: number;
  attribution: { seriesId: string; episodeId: string; placementId: string; atMs: number; touchType: OrderTouchType; touchedAt: Date } | null;
}

export interface OrderDraft {
  id: string;
  shopId: string;
  currency: string;
  shippingMinor: number;
  lines: OrderLineDraft[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const DEFAULT_PAGE = 20;

export function createOrders(deps: { db: Db; clock: Clock; stock: OrderStock; webhooks: MerchantWebhooks; refunds: Refunds; log: Logger }) {
  const { db, clock, stock, webhooks, refunds } = deps;

  async function viewOf(tx: DbOrTx, row: OrderRow): Promise<OrderView> {
    const [view] = await orderViews(tx, [row]);
    if (!view) throw new Error('order view vanished');
    return view;
  }

  async function page(where: SQL | undefined, cursor: string | undefined, limit = DEFAULT_PAGE): Promise<Page<OrderView>> {
    const rows = await db
      .select()
      .from(orders)
      .where(and(where, cursor ? lt(orders.id, cursor) : undefined))
      .orderBy(desc(orders.id))
      .limit(limit + 1);
    const more = rows.length > limit;
    const items = await orderViews(db, rows.slice(0, limit));
    return { items, nextCursor: more ? (items[items.length - 1]?.id ?? null) : null };
  }

  /**
   * Writes a checkout's orders and lines in the caller's transaction (stock is reserved beside them),
   * two multi-row INSERTs whose RETURNING rows make the views: no read-back while the caller's
   * transaction may be about to lock a hot SKU row.
   */
  async function insertOrders(
    tx: Tx,
    input: { checkoutId: string; paymentId: string | null; userId: string; address: OrderAddress; returnTo: ReturnTo | null; reservedUntil: Date; drafts: OrderDraft[] },
  ): Promise<OrderView[]> {
    const now = clock.now();
    const orderRows = await tx
      .insert(orders)
      .values(
        input.drafts.map((draft) => {
          const subtotalMinor = draft.lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
          return {
            id: draft.id,
            checkoutId: input.checkoutId,
            paymentId: input.paymentId,
            userId: input.userId,
            shopId: draft.shopId,
            currency: draft.currency,
            subtotalMinor,
            shippingMinor: draft.shippingMinor,
            totalMinor: subtotalMinor + draft.shippingMinor,
            address: input.address,
            returnTo: input.returnTo,
            reservedUntil: input.reservedUntil,
            createdAt: now,
            updatedAt: now,
          };
        }),
      )
      .returning();
    const lineRows = await tx
      .insert(orderLines)
      .values(
        input.drafts.flatMap((draft) =>
          draft.lines.map((line) => ({
            id: newId('orderLine'),
            orderId: draft.id,
            skuId: line.skuId,
            productId: line.productId,
            title: line.title,
            image: line.image,
            options: line.options,
            unitPriceMinor: line.unitPriceMinor,
            quantity: line.quantity,
            lineTotalMinor: line.unitPriceMinor * line.quantity,
            seriesId: line.attribution?.seriesId ?? null,
            episodeId: line.attribution?.episodeId ?? null,
            placementId: line.attribution?.placementId ?? null,
            atMs: line.attribution?.atMs ?? null,
            touchType: line.attribution?.touchType ?? null,
            touchedAt: line.attribution?.touchedAt ?? null,
          })),
        ),
      )
      .returning();
    return orderRows.map((row) => orderView(row, lineRows.filter((line) => line.orderId === row.id).sort((a, b) => (a.id < b.id ? -1 : 1))));
  }

  /**
   * The checkout's payment succeeded (a verified provider event, in its transaction): unpaid orders
   * become paid and their stock sold. An order the expiry job already cancelled stays cancelled (its
   * stock may be sold to someone else by now) and its money goes back automatically.
   */
  async function checkoutPaid(tx: Tx, input: { checkoutId: string; paymentId: string }): Promise<{ paid: string[]; refunded: string[] }> {
    const rows = await tx.select().from(orders).where(eq(orders.checkoutId, input.checkoutId)).orderBy(asc(orders.id)).for('update');
    const paid: string[] = [];
    const refunded: string[] = [];
    const now = clock.now();
    for (const row of rows) {
      let status = row.status;
      if (status === 'pending_payment') {
        const { outcome } = await stock.commitReservation(tx, row.id);
        if (outcome === 'committed' || outcome === 'already_committed') {
          const [updated] = await tx
            .update(orders)
            .set({ status: nextStatus(status, 'pay'), paymentId: input.paymentId, paidAt: now, updatedAt: now })
            .where(eq(orders.id, row.id))
            .returning();
          if (!updated) throw new Error('order vanished');
          await webhooks.emit(tx, 'order.paid', await viewOf(tx, updated));
          paid.push(row.id);
          continue;
        }
        // The hold was released under us (past its deadline): the units may be sold to someone else.
        status = nextStatus(status, 'cancel');
        await tx.update(orders).set({ status, paymentId: input.paymentId, cancelledAt: now, updatedAt: now }).where(eq(orders.id, row.id));
      }
      if (status === 'cancelled') {
        await refunds.record(tx, { orderId: row.id, paymentId: input.paymentId, amountMinor: row.totalMinor - row.refundedMinor, currency: row.currency, reason: 'late_payment', lines: [] });
        deps.log.warn({ orderId: row.id, paymentId: input.paymentId }, 'payment arrived after the order was cancelled; refunding it');
        refunded.push(row.id);
      }
    }
    return { paid, refunded };
  }

  /** Cancels unpaid orders past their reservation and releases their stock; returns how many. */
  async function expireDue(now: Date, limit = 100): Promise<number> {
    return db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(orders)
        .where(and(eq(orders.status, 'pending_payment'), lte(orders.reservedUntil, now)))
        .orderBy(asc(orders.reservedUntil))
        .limit(limit)
        .for('update', { skipLocked: true });
      for (const row of due) {
        await tx
          .update(orders)
          .set({ status: nextStatus(row.status, 'cancel'), cancelledAt: clock.now(), updatedAt: clock.now() })
          .where(eq(orders.id, row.id));
        await stock.releaseReservation(tx, row.id);
      }
      return due.length;
    });
  }

  /** Compensation when the payment could not be created: the checkout's unpaid orders are cancelled and their stock released. */
  async function cancelCheckout(checkoutId: string): Promise<void> {
    await db.transaction(async (tx) => {
      const rows = await tx.select().from(orders).where(and(eq(orders.checkoutId, checkoutId), eq(orders.status, 'pending_payment'))).for('update');
      const now = clock.now();
      for (const row of rows) {
        await tx.update(orders).set({ status: nextStatus(row.status, 'cancel'), cancelledAt: now, updatedAt: now }).where(eq(orders.id, row.id));
        await stock.releaseReservation(tx, row.id);
      }
    });
  }

  /**
   * Orders whose reservation commerce released on its own (reservations outlive their order's
   * deadline by a grace period, so this is a safety net): cancel them, as their stock is gone.
   */
  async function cancelReleased(orderIds: string[]): Promise<number> {
    if (orderIds.length === 0) return 0;
    const now = clock.now();
    const cancelled = await db
      .update(orders)
      .set({ status: nextStatus('pending_payment', 'cancel'), cancelledAt: now, updatedAt: now })
      .where(and(inArray(orders.id, orderIds), eq(orders.status, 'pending_payment')))
      .returning({ id: orders.id });
    return cancelled.length;
  }

  function ownerOf(caller: Caller): string {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in to see your orders');
    return caller.userId;
  }

  async function listMine(caller: Caller, cursor?: string, limit?: number): Promise<Page<OrderView>> {
    return page(eq(orders.userId, ownerOf(caller)), cursor, limit);
  }

  async function getMine(caller: Caller, orderId: string): Promise<OrderView> {
    const [row] = await db.select().from(orders).where(eq(orders.id, orderId));
    // Someone else's order is as absent as a missing one.
    if (!row || (row.userId !== caller.userId && caller.role !== 'admin')) throw notFound('Order');
    return viewOf(db, row);
  }

  async function lockOwned(tx: Tx, orderId: string, allowed: (row: OrderRow) => boolean): Promise<OrderRow> {
    const [row] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (!row || !allowed(row)) throw notFound('Order');
    return row;
  }

  async function requestRefund(caller: Caller, orderId: string, lines: RefundLineRequest[] | null): Promise<OrderView> {
    const userId = ownerOf(caller);
    return db.transaction(async (tx) => {
      const row = await lockOwned(tx, orderId, (r) => r.userId === userId);
      const status = nextStatus(row.status, 'request_refund');
      const current = await tx.select().from(orderLines).where(eq(orderLines.orderId, row.id));
      // Checked now so the merchant never meets an impossible request.
      planRefund(current, row.shippingMinor, lines);
      const [updated] = await tx
        .update(orders)
        .set({ status, refundRequest: lines, updatedAt: clock.now() })
        .where(eq(orders.id, row.id))
        .returning();
      if (!updated) throw new Error('order vanished');
      return viewOf(tx, updated);
    });
  }

  async function listForShops(shopIds: string[], options: { cursor?: string; limit?: number; status?: OrderStatus }): Promise<Page<OrderView>> {
    if (shopIds.length === 0) return { items: [], nextCursor: null };
    return page(and(inArray(orders.shopId, shopIds), options.status ? eq(orders.status, options.status) : undefined), options.cursor, options.limit);
  }

  async function ship(shopIds: string[], orderId: string, input: { carrier: string; trackingNumber: string }): Promise<OrderView> {
    return db.transaction(async (tx) => {
      const row = await lockOwned(tx, orderId, (r) => shopIds.includes(r.shopId));
      const now = clock.now();
      const [updated] = await tx
        .update(orders)
        .set({ status: nextStatus(row.status, 'ship'), carrier: input.carrier, trackingNumber: input.trackingNumber, shippedAt: now, updatedAt: now })
        .where(eq(orders.id, row.id))
        .returning();
      if (!updated) throw new Error('order vanished');
      const view = await viewOf(tx, updated);
      await webhooks.emit(tx, 'order.shipped', view);
      return view;
    });
  }

  async function deliver(shopIds: string[], orderId: string): Promise<OrderView> {
    return db.transaction(async (tx) => {
      const row = await lockOwned(tx, orderId, (r) => shopIds.includes(r.shopId));
      const now = clock.now();
      const [updated] = await tx
        .update(orders)
        .set({ status: nextStatus(row.status, 'deliver'), deliveredAt: now, updatedAt: now })
        .where(eq(orders.id, row.id))
        .returning();
      if (!updated) throw new Error('order vanished');
      return viewOf(tx, updated);
    });
  }

  /**
   * The shop refunds (what the buyer asked for, the lines it names, or everything left): lines and
   * order are updated, units go back on sale if the shop restocks, and the money goes back through
   * the refund outbox, all in one transaction. A paid, shipped or delivered order passes through
   * refund_requested on the way, as the state machine requires.
   */
  async function refund(shopIds: string[], orderId: string, lines: RefundLineRequest[] | null): Promise<OrderView> {
    return db.transaction(async (tx) => {
      const row = await lockOwned(tx, orderId, (r) => shopIds.includes(r.shopId));
      const restock = await stock.restockOnRefund(tx, row.shopId);
      const requested = row.status === 'refund_requested' ? row.status : nextStatus(row.status, 'request_refund');
      const status = nextStatus(requested, 'refund');
      if (!row.paymentId) throw new AppError('INVALID_STATE', 'The order has no payment to refund');
      const current = await tx.select().from(orderLines).where(eq(orderLines.orderId, row.id));
      const plan = planRefund(current, row.shippingMinor, lines ?? row.refundRequest ?? null);
      for (const item of plan.lines) {
        const line = current.find((l) => l.id === item.lineId);
        if (!line) continue;
        await tx.update(orderLines).set({ refundedQuantity: line.refundedQuantity + item.quantity }).where(eq(orderLines.id, line.id));
        if (restock) await stock.returnStock(tx, { reference: row.id, skuId: line.skuId, quantity: item.quantity });
      }
      const now = clock.now();
      const [updated] = await tx
        .update(orders)
        .set({ status, refundedMinor: row.refundedMinor + plan.amountMinor, refundedAt: now, updatedAt: now })
        .where(eq(orders.id, row.id))
        .returning();
      if (!updated) throw new Error('order vanished');
      await refunds.record(tx, { orderId: row.id, paymentId: row.paymentId, amountMinor: plan.amountMinor, currency: row.currency, reason: 'merchant', lines: plan.lines });
      const view = await viewOf(tx, updated);
      await webhooks.emit(tx, 'order.refunded', view);
      return view;
    });
  }

  return { insertOrders, checkoutPaid, expireDue, cancelReleased, cancelCheckout, listMine, getMine, requestRefund, listForShops, ship, deliver, refund };
}

export type Orders = ReturnType<typeof createOrders>;
