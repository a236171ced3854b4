import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.ts';
import type { Caller } from '../../http/context.ts';
import type { HttpApp } from '../../http/types.ts';
import { CART_MAX_QUANTITY } from './cart.ts';
import { CartSchema, IdParams, PageQuery, RefundLinesSchema, ShopNamedOrderPageSchema, ShopNamedOrderSchema } from './http-schemas.ts';
import type { OrdersService } from './service.ts';

const tags = ['orders'];
const Quantity = Type.Integer({ minimum: 1, maximum: CART_MAX_QUANTITY });

function userIdOf(caller: Caller): string {
  if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in to use a cart');
  return caller.userId;
}

/** The viewer's side: cart and own orders (each named with its shop). */
export function registerOrdersRoutes(app: HttpApp, service: OrdersService): void {
  const { cart, orders, named, namedOne } = service;

  app.get(
    '/api/v1/cart',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Your cart (kept across devices), with prices and stock now', response: { 200: CartSchema } } },
    async (request) => cart.view(userIdOf(request.caller)),
  );

  app.post(
    '/api/v1/cart',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Add a SKU to your cart (adding it again adds to its quantity)',
        body: Type.Object({ skuId: Type.String({ minLength: 1, maxLength: 64 }), quantity: Quantity }, { additionalProperties: false }),
        response: { 201: CartSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await cart.add(userIdOf(request.caller), request.body.skuId, request.body.quantity)),
  );

  app.patch(
    '/api/v1/cart/items/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Change the quantity of a cart item',
        params: IdParams,
        body: Type.Object({ quantity: Quantity }, { additionalProperties: false }),
        response: { 200: CartSchema },
      },
    },
    async (request) => cart.setQuantity(userIdOf(request.caller), request.params.id, request.body.quantity),
  );

  app.delete(
    '/api/v1/cart/items/:id',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Remove a cart item', params: IdParams, response: { 200: CartSchema } } },
    async (request) => cart.remove(userIdOf(request.caller), request.params.id),
  );

  app.delete(
    '/api/v1/cart',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Empty your cart', response: { 200: CartSchema } } },
    async (request) => cart.clear(userIdOf(request.caller)),
  );

  app.get(
    '/api/v1/orders',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Your orders, newest first', querystring: PageQuery, response: { 200: ShopNamedOrderPageSchema } } },
    async (request) => {
      const page = await orders.listMine(request.caller, request.query.cursor, request.query.limit);
      return { ...page, items: await named(page.items) };
    },
  );

  app.get(
    '/api/v1/orders/:id',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'One of your orders (status, tracking, lines)', params: IdParams, response: { 200: ShopNamedOrderSchema } } },
    async (request) => namedOne(await orders.getMine(request.caller, request.params.id)),
  );

  app.post(
    '/api/v1/orders/:id/refund-request',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Ask the shop for a refund of the whole order or of some lines (paid, shipped or delivered orders)',
        params: IdParams,
        body: Type.Object({ lines: Type.Optional(RefundLinesSchema) }, { additionalProperties: false }),
        response: { 200: ShopNamedOrderSchema },
      },
    },
    async (request) => namedOne(await orders.requestRefund(request.caller, request.params.id, request.body.lines ?? null)),
  );
}
