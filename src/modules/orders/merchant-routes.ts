import { Type } from '@sinclair/typebox';
import type { Idempotency } from '../../http/idempotency.ts';
import type { HttpApp } from '../../http/types.ts';
import { IdParams, OrderPageSchema, OrderSchema, OrderStatusSchema, RefundLinesSchema, WebhookDeliverySchema, WebhookEndpointSchema } from './http-schemas.ts';
import type { OrdersService } from './service.ts';

const tags = ['orders'];
const ShopQuery = Type.Object({ shopId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) });

/** The merchant's side: their shop's orders (only theirs; another shop's answer 404) and webhooks. */
export function registerMerchantOrderRoutes(app: HttpApp, service: OrdersService, idempotency: Idempotency): void {
  const { orders, webhooks } = service;

  app.get(
    '/api/v1/shop/orders',
    {
      config: { access: 'merchant' },
      schema: {
        tags,
        summary: "Your shop's orders, newest first, each line with its attribution (series, episode, placement, second)",
        querystring: Type.Object({
          shopId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          status: Type.Optional(OrderStatusSchema),
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        }),
        response: { 200: OrderPageSchema },
      },
    },
    async (request) => {
      const { shopId, status, cursor, limit } = request.query;
      const shopIds = await service.shopIdsOf(request.caller, shopId);
      return orders.listForShops(shopIds, { ...(status ? { status } : {}), ...(cursor ? { cursor } : {}), ...(limit ? { limit } : {}) });
    },
  );

  app.post(
    '/api/v1/shop/orders/:id/ship',
    {
      config: { access: 'merchant' },
      schema: {
        tags,
        summary: 'Mark a paid order shipped, with its carrier and tracking number (sends order.shipped)',
        params: IdParams,
        body: Type.Object(
          { carrier: Type.String({ minLength: 1, maxLength: 60 }), trackingNumber: Type.String({ minLength: 1, maxLength: 80 }) },
          { additionalProperties: false },
        ),
        response: { 200: OrderSchema },
      },
    },
    async (request) => orders.ship(await service.shopIdsOf(request.caller), request.params.id, request.body),
  );

  app.post(
    '/api/v1/shop/orders/:id/deliver',
    { config: { access: 'merchant' }, schema: { tags, summary: 'Mark a shipped order delivered', params: IdParams, response: { 200: OrderSchema } } },
    async (request) => orders.deliver(await service.shopIdsOf(request.caller), request.params.id),
  );

  app.post(
    '/api/v1/shop/orders/:id/refund',
    {
      config: { access: 'merchant' },
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      schema: {
        tags,
        summary:
          'Refund the order: the lines named, else what the buyer asked for, else everything (shipping too once nothing is left). Money goes back through the payment provider; units go back on sale if the shop restocks on refund. Needs an Idempotency-Key.',
        params: IdParams,
        body: Type.Object({ lines: Type.Optional(RefundLinesSchema) }, { additionalProperties: false }),
        response: { 200: OrderSchema },
      },
    },
    async (request) => orders.refund(await service.shopIdsOf(request.caller), request.params.id, request.body.lines ?? null),
  );

  app.get(
    '/api/v1/shop/webhooks',
    {
      config: { access: 'merchant' },
      schema: {
        tags,
        summary: "Your shop's webhook endpoint (its signing secret only as a hint: whsec_…abcd) and its latest deliveries",
        querystring: ShopQuery,
        response: { 200: Type.Object({ endpoint: Type.Union([WebhookEndpointSchema, Type.Null()]), deliveries: Type.Array(WebhookDeliverySchema) }) },
      },
    },
    async (request) => {
      const shopId = await service.oneShopOf(request.caller, request.query.shopId);
      return { endpoint: await webhooks.endpointOf(shopId), deliveries: await webhooks.deliveriesOf(shopId) };
    },
  );

  app.put(
    '/api/v1/shop/webhooks',
    {
      config: { access: 'merchant' },
      schema: {
        tags,
        summary:
          'Set where order.paid, order.shipped and order.refunded are sent. Creating the endpoint generates its signing secret, answered this once in full; later answers carry only its hint',
        querystring: ShopQuery,
        body: Type.Object({ url: Type.String({ minLength: 8, maxLength: 2000 }), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: WebhookEndpointSchema },
      },
    },
    async (request) => webhooks.putEndpoint(await service.oneShopOf(request.caller, request.query.shopId), request.body),
  );

  app.post(
    '/api/v1/shop/webhooks/rotate-secret',
    {
      config: { access: 'merchant' },
      schema: {
        tags,
        summary: 'Replace the signing secret, answered this once in full; every delivery attempt from now on is signed with the new one (the old one stops at once)',
        querystring: ShopQuery,
        response: { 200: WebhookEndpointSchema },
      },
    },
    async (request) => webhooks.rotateSecret(await service.oneShopOf(request.caller, request.query.shopId)),
  );
}
