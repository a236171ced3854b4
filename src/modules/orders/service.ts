import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { AppError, forbidden } from '../../core/errors.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { Caller } from '../../http/context.ts';
import { createCart } from './cart.ts';
import { createMerchantWebhooks } from './merchant-webhooks.ts';
import { createOrders } from './orders.ts';
import type { OrderPayments, OrderStock, ShopMembership, ShopNames, SkuLookup } from './ports.ts';
import { createRefunds } from './refunds.ts';
import { withShopName, type ShopNamed } from './views.ts';

export type { CartView, CartItemView } from './cart.ts';
export type { OrderDraft, OrderLineDraft, Page } from './orders.ts';
export type { OrderView, OrderLineView, Attribution, ShopNamed } from './views.ts';
export type { WebhookEndpointView, WebhookDeliveryView, MerchantEventBody } from './merchant-webhooks.ts';
export type { OrderStatus, OrderAddress, ReturnTo, RefundLineRequest } from './schema.ts';
export type { SkuFacts, SkuLookup, OrderStock, OrderPayments, ShopMembership, ShopNames } from './ports.ts';
export { OrderSchema, ShopNamedOrderSchema, AddressSchema, ReturnToSchema } from './http-schemas.ts';
export { MERCHANT_SIGNATURE_HEADER, MERCHANT_EVENT_HEADER, MERCHANT_DELIVERY_HEADER } from './merchant-webhooks.ts';

export interface OrdersDeps {
  db: Db;
  queue: Queue;
  clock: Clock;
  log: Logger;
  skus: SkuLookup;
  stock: OrderStock;
  payments: OrderPayments;
  shops: ShopMembership & ShopNames;
  /** Attempts per merchant webhook delivery before it is marked failed. */
  webhookMaxAttempts?: number;
  /** Let merchant webhooks go to private, loopback or link-local addresses. */
  webhooksAllowPrivate?: boolean;
}

/** The orders module's public face: cart, orders, refunds, merchant webhooks. */
export function createOrdersService(deps: OrdersDeps) {
  const webhooks = createMerchantWebhooks({ db: deps.db, queue: deps.queue, clock: deps.clock, log: deps.log,
    allowPrivateTargets: deps.webhooksAllowPrivate ?? false,
    ...(deps.webhookMaxAttempts ? { maxAttempts: deps.webhookMaxAttempts } : {}),
  });
  const refunds = createRefunds({ db: deps.db, queue: deps.queue, clock: deps.clock, payments: deps.payments, log: deps.log });
  const orders = createOrders({ db: deps.db, clock: deps.clock, stock: deps.stock, webhooks, refunds, log: deps.log });
  const cart = createCart({ db: deps.db, clock: deps.clock, skus: deps.skus, shops: deps.shops });

  /** The shops the caller acts for: all theirs, or the one named (which must be theirs). */
  async function shopIdsOf(caller: Caller, shopId?: string): Promise<string[]> {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    const mine = await deps.shops.orgIdsOf(caller.userId, 'shop');
    if (shopId === undefined) return mine;
    if (!mine.includes(shopId)) throw forbidden('You are not a member of this shop');
    return [shopId];
  }

  async function oneShopOf(caller: Caller, shopId?: string): Promise<string> {
    const [first] = await shopIdsOf(caller, shopId);
    if (!first) throw forbidden('You have no shop');
    return first;
  }

  /** Orders (or any views with a shopId) as buyers see them: one name lookup for the whole list. */
  async function named<T extends { shopId: string }>(views: T[]): Promise<ShopNamed<T>[]> {
    const names = await deps.shops.orgNames(views.map((v) => v.shopId));
    return views.map((view) => withShopName(view, names));
  }

  async function namedOne<T extends { shopId: string }>(view: T): Promise<ShopNamed<T>> {
    return withShopName(view, await deps.shops.orgNames([view.shopId]));
  }

  return { cart, orders, refunds, webhooks, shopIdsOf, oneShopOf, named, namedOne };
}

export type OrdersService = ReturnType<typeof createOrdersService>;
