import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { AppError, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Db } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { CommerceService, SkuWithProduct } from '../modules/commerce/service.ts';
import type { EventsService } from '../modules/events/service.ts';
import { AddressSchema, OrderSchema, ReturnToSchema, type OrderAddress, type OrderDraft, type OrderLineDraft, type OrdersService, type OrderView, type ReturnTo } from '../modules/orders/service.ts';
import type { PaymentsService } from '../modules/payments/service.ts';

export const ORDER_PURPOSE = 'order';
/**
 * The stock hold outlives the order's deadline by this much, so the order expiry (which cancels the
 * order and releases its stock in one transaction) always runs first; commerce's own release of
 * overdue holds is only a safety net.
 */
export const RESERVATION_GRACE_MS = 5 * 60_000;
const MAX_LINES = 50;

export interface CheckoutItem {
  skuId: string;
  quantity: number;
}

export interface CheckoutInput {
  /** Buy now: these items. Absent: everything in the cart. */
  items?: CheckoutItem[];
  address: OrderAddress;
  /** Where the viewer was watching: the hosted page sends them back to this second. */
  returnTo?: ReturnTo;
}

export interface CheckoutResult {
  checkoutId: string;
  orders: OrderView[];
  paymentId: string;
  redirectUrl: string;
}

export interface CheckoutDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  commerce: Pick<CommerceService, 'getSkus' | 'quoteShipping' | 'reserveStock'>;
  events: Pick<EventsService, 'lastTouch'>;
  payments: PaymentsService;
  orders: OrdersService;
  publicUrl: string;
  reservationMs: number;
}

interface ShopGroup {
  currency: string;
  shop: SkuWithProduct['shop'];
  items: { item: CheckoutItem; found: SkuWithProduct }[];
}

function mergeItems(items: CheckoutItem[]): CheckoutItem[] {
  const merged = new Map<string, number>();
  for (const item of items) merged.set(item.skuId, (merged.get(item.skuId) ?? 0) + item.quantity);
  return [...merged].map(([skuId, quantity]) => ({ skuId, quantity }));
}

/**
 * Checkout across modules: SKUs and stock (commerce), attribution (events), orders, and one payment
 * for all of a checkout's orders (payments). Totals, shipping and attribution are computed here on
 * the server; the client names only SKUs, quantities, an address and where it was watching.
 */
export function createCheckout(deps: CheckoutDeps) {
  const { db, clock, commerce, orders } = deps;
  const base = deps.publicUrl.replace(/\/$/, '');

  function returnUrlOf(checkoutId: string, returnTo: ReturnTo | undefined): string {
    // The web app's watch page resumes at `?at=<ms>`.
    if (returnTo) return `${base}/watch/${encodeURIComponent(returnTo.episodeId)}?at=${returnTo.atMs}&checkout=${checkoutId}`;
    return `${base}/me?checkout=${checkoutId}`;
  }

  async function attributionOf(caller: Caller, productId: string, at: Date): Promise<OrderLineDraft['attribution']> {
    const viewerKeys = [...new Set([caller.viewerKey, caller.deviceId])];
    const touch = await deps.events.lastTouch({ userId: caller.userId, viewerKeys, productId, at });
    if (!touch) return null;
    return { seriesId: touch.seriesId, episodeId: touch.episodeId, placementId: touch.placementId, atMs: touch.atMs, touchType: touch.type, touchedAt: touch.touchedAt };
  }

  /** One order per shop; a shop's SKUs must share one currency, and one payment needs one currency overall. */
  function groupByShop(items: CheckoutItem[], skus: Map<string, SkuWithProduct>): Map<string, ShopGroup> {
    const groups = new Map<string, ShopGroup>();
    for (const item of items) {
      const found = skus.get(item.skuId);
      if (!found) throw notFound(`SKU ${item.skuId}`);
      // A cheap early answer for the common loser; the conditional UPDATE below stays the judge.
      if (found.product.status !== 'active' || found.sku.stock.available < item.quantity) {
        throw new AppError('INSUFFICIENT_STOCK', `Only ${found.sku.stock.available} left of SKU ${item.skuId}`, { skuId: item.skuId, available: found.sku.stock.available });
      }
      const group = groups.get(found.product.shopId) ?? { currency: found.sku.currency, shop: found.shop, items: [] };
      if (group.currency !== found.sku.currency) {
        throw new AppError('VALIDATION_FAILED', `One order has one currency: this shop's items are priced in ${group.currency} and ${found.sku.currency}`, { shopId: found.product.shopId });
      }
      group.items.push({ item, found });
      groups.set(found.product.shopId, group);
    }
    const currencies = new Set([...groups.values()].map((g) => g.currency));
    if (currencies.size > 1) throw new AppError('VALIDATION_FAILED', `One checkout pays in one currency; check out ${[...currencies].join(' and ')} items separately`);
    return groups;
  }

  async function checkout(caller: Caller, input: CheckoutInput): Promise<CheckoutResult> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to check out');
    const fromCart = input.items === undefined;
    const wanted = mergeItems(fromCart ? (await orders.cart.itemsOf(userId)).map((row) => ({ skuId: row.skuId, quantity: row.quantity })) : (input.items ?? []));
    if (wanted.length === 0) throw new AppError('VALIDATION_FAILED', fromCart ? 'Your cart is empty' : 'Name at least one item');
    if (wanted.length > MAX_LINES) throw new AppError('VALIDATION_FAILED', `A checkout holds at most ${MAX_LINES} different SKUs`);

    const skus = await commerce.getSkus(wanted.map((w) => w.skuId));
    const groups = groupByShop(wanted, skus);
    const now = clock.now();
    const productIds = [...new Set([...groups.values()].flatMap((g) => g.items.map(({ found }) => found.product.id)))];
    const touches = new Map(await Promise.all(productIds.map(async (id) => [id, await attributionOf(caller, id, now)] as const)));
    const drafts: OrderDraft[] = [];
    for (const [shopId, group] of groups) {
      const lines: OrderLineDraft[] = group.items.map(({ item, found }) => ({
        skuId: item.skuId,
        productId: found.product.id,
        title: found.product.title,
        image: found.product.images[0] ?? null,
        options: found.sku.options,
        unitPriceMinor: found.sku.priceMinor,
        quantity: item.quantity,
        attribution: touches.get(found.product.id) ?? null,
      }));
      const subtotal = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
      const quote = commerce.quoteShipping(group.shop, subtotal, group.currency);
      drafts.push({ id: newId('order'), shopId, currency: group.currency, shippingMinor: quote.shippingMinor, lines });
    }

    const checkoutId = newId('checkout');
    const reservedUntil = new Date(now.getTime() + deps.reservationMs);
    const total = drafts.reduce((sum, draft) => sum + draft.shippingMinor + draft.lines.reduce((s, line) => s + line.unitPriceMinor * line.quantity, 0), 0);
    const currency = drafts[0]?.currency ?? '';
    const returnUrl = returnUrlOf(checkoutId, input.returnTo);
    // The payment row, the orders and the stock in one transaction: a buyer who loses the race
    // leaves nothing behind, and no order names a payment that does not exist. The stock goes last,
    // so the hot SKU rows stay locked only for the reservation and the commit.
    const { created, payment } = await db.transaction(async (tx) => {
      const recorded = await deps.payments.recordPayment(tx, {
        purpose: ORDER_PURPOSE,
        reference: checkoutId,
        userId,
        amountMinor: total,
        currency,
        description: drafts.length === 1 ? `Order ${drafts[0]?.id ?? ''}` : `${drafts.length} orders`,
        returnUrl,
      });
      const views = await orders.orders.insertOrders(tx, { checkoutId, paymentId: recorded.id, userId, address: input.address, returnTo: input.returnTo ?? null, reservedUntil, drafts });
      if (fromCart) await orders.cart.removeSkus(tx, userId, wanted.map((w) => w.skuId));
      // One SKU at a time in id order across all orders, so two checkouts never lock each other's rows in opposite orders.
      const holds = drafts.flatMap((draft) => draft.lines.map((line) => ({ reference: draft.id, skuId: line.skuId, quantity: line.quantity })));
      holds.sort((a, b) => (a.skuId < b.skuId ? -1 : a.skuId > b.skuId ? 1 : 0));
      const expiresAt = new Date(reservedUntil.getTime() + RESERVATION_GRACE_MS);
      for (const hold of holds) await commerce.reserveStock(tx, { reference: hold.reference, lines: [{ skuId: hold.skuId, quantity: hold.quantity }], expiresAt });
      return { created: views, payment: recorded };
    });

    let opened: { paymentId: string; redirectUrl: string };
    try {
      opened = await deps.payments.openIntent(payment, { returnUrl });
    } catch (error) {
      // Compensation: without a provider intent the orders can never be paid; give the stock back now.
      await orders.orders.cancelCheckout(checkoutId).catch((cause: unknown) => deps.log.error({ err: cause, checkoutId }, 'could not cancel a checkout whose payment failed'));
      throw error;
    }
    return { checkoutId, orders: created, paymentId: opened.paymentId, redirectUrl: opened.redirectUrl };
  }

  /**
   * Verified payment events for orders, inside the event's transaction: a success pays the
   * checkout's orders and sells their stock (or refunds an order the expiry already cancelled);
   * a failure changes nothing (the orders stay pending until their reservation expires); a refund
   * confirmation settles our refund record.
   */
  function listen(): void {
    deps.payments.onPaymentEvent(async ({ tx, event, payment, applied }) => {
      if (!payment || payment.purpose !== ORDER_PURPOSE) return;
      switch (event.type) {
        case 'payment.succeeded':
          if (applied) await orders.orders.checkoutPaid(tx, { checkoutId: payment.reference, paymentId: payment.id });
          return;
        case 'payment.failed':
          return;
        case 'refund.succeeded': {
          const reference = event.data.refundReference;
          if (typeof reference === 'string') await orders.refunds.confirmed(tx, reference);
          return;
        }
        default: {
          const unreachable: never = event.type;
          throw new Error(`unknown payment event ${String(unreachable)}`);
        }
      }
    });
  }

  return { checkout, listen };
}

export type Checkout = ReturnType<typeof createCheckout>;

const ItemSchema = Type.Object(
  { skuId: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
  { additionalProperties: false },
);

export function registerCheckoutRoutes(app: HttpApp, checkout: Checkout, idempotency: Idempotency): void {
  app.post(
    '/api/v1/checkout',
    {
      config: { access: 'signed-in' },
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      schema: {
        tags: ['checkout'],
        summary:
          'Check out the given items (buy now) or the cart: one order per shop, stock held for a while, one payment for all; answers the hosted payment page (needs an Idempotency-Key)',
        body: Type.Object(
          {
            items: Type.Optional(Type.Array(ItemSchema, { minItems: 1, maxItems: MAX_LINES })),
            address: AddressSchema,
            returnTo: Type.Optional(ReturnToSchema),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ checkoutId: Type.String(), orders: Type.Array(OrderSchema), paymentId: Type.String(), redirectUrl: Type.String() }),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await checkout.checkout(request.caller, request.body)),
  );
}
