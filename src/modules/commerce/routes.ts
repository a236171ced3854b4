import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Idempotency } from '../../http/idempotency.ts';
import type { HttpApp } from '../../http/types.ts';
import {
  IdParams,
  ImportQuery,
  ImportReportSchema,
  ListQuery,
  ProductCreateBody,
  ProductPage,
  ProductPatchBody,
  ProductSchema,
  ProductWithAccessSchema,
  ShopQuery,
  ShopSettingsBody,
  ShopSettingsSchema,
  SkuCreateBody,
  SkuPatchBody,
  SkuSchema,
} from './http-schemas.ts';
import type { CommerceService } from './service.ts';

const tags = ['commerce'];
/** A whole catalogue in one request: the online retail file is 0.4 MB. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;

export function registerCommerceRoutes(app: HttpApp, commerce: CommerceService, idempotency: Idempotency): void {
  if (!app.hasContentTypeParser('text/csv')) {
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_MAX_BYTES }, (_request, body, done) => done(null, body));
  }

  app.get(
    '/api/v1/products',
    { config: { access: 'merchant' }, schema: { tags, summary: "Your shops' products, newest first (archived included)", querystring: ListQuery, response: { 200: ProductPage } } },
    async (request) => {
      const { cursor, ...options } = request.query;
      return commerce.listProducts(request.caller, cursor ?? null, options);
    },
  );

  app.post(
    '/api/v1/products',
    { config: { access: 'merchant' }, schema: { tags, summary: 'Create a product with its SKUs (prices in integer minor units)', body: ProductCreateBody, response: { 201: ProductSchema } } },
    async (request, reply) => reply.status(201).send(await commerce.createProduct(request.caller, request.body)),
  );

  app.post(
    '/api/v1/products/import',
    {
      config: { access: 'merchant' },
      bodyLimit: IMPORT_MAX_BYTES,
      schema: {
        tags,
        summary: 'Import a catalogue CSV (text/csv body) into your shop; idempotent per source id',
        description:
          'format=litemall: litemall goods (CNY, retail_price_cny); format=online_retail: UCI Online Retail products (GBP, median_unit_price_gbp). ' +
          'A known source id updates the product, a new one creates it with one SKU (stock 0); bad rows are skipped with their reason.',
        consumes: ['text/csv'],
        querystring: ImportQuery,
        body: Type.String({ description: 'The CSV file, UTF-8, with its header row' }),
        response: { 200: ImportReportSchema },
      },
    },
    async (request) => commerce.importCatalogue(request.caller, { format: request.query.format, csv: request.body, ...(request.query.shopId ? { shopId: request.query.shopId } : {}) }),
  );

  app.get(
    '/api/v1/products/:id',
    { config: { access: 'public' }, schema: { tags, summary: 'A product (archived ones only for its shop)', params: IdParams, response: { 200: ProductWithAccessSchema } } },
    async (request) => commerce.getProduct(request.caller, request.params.id),
  );

  app.patch(
    '/api/v1/products/:id',
    { config: { access: 'merchant' }, schema: { tags, summary: 'Edit a product, or archive it (status)', params: IdParams, body: ProductPatchBody, response: { 200: ProductSchema } } },
    async (request) => commerce.updateProduct(request.caller, request.params.id, request.body),
  );

  app.post(
    '/api/v1/products/:id/skus',
    { config: { access: 'merchant' }, schema: { tags, summary: 'Add a SKU (variant) to a product', params: IdParams, body: SkuCreateBody, response: { 201: SkuSchema } } },
    async (request, reply) => reply.status(201).send(await commerce.addSku(request.caller, request.params.id, request.body)),
  );

  app.patch(
    '/api/v1/skus/:id',
    {
      config: { access: 'merchant' },
      // A stock delta applied twice would count twice: with stockAdjust the request needs an Idempotency-Key.
      preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
        const body = request.body as { stockAdjust?: unknown } | undefined;
        return body?.stockAdjust !== undefined ? idempotency.preHandler(request, reply) : undefined;
      },
      onSend: idempotency.onSend,
      schema: { tags, summary: 'Change a SKU: price, options, or stock by a delta (stockAdjust needs an Idempotency-Key)', params: IdParams, body: SkuPatchBody, response: { 200: SkuSchema } },
    },
    async (request) => commerce.updateSku(request.caller, request.params.id, request.body),
  );

  app.get(
    '/api/v1/shop/settings',
    { config: { access: 'merchant' }, schema: { tags, summary: "Your shop's shipping and refund settings", querystring: ShopQuery, response: { 200: ShopSettingsSchema } } },
    async (request) => commerce.mySettings(request.caller, request.query.shopId),
  );

  app.put(
    '/api/v1/shop/settings',
    { config: { access: 'merchant' }, schema: { tags, summary: 'Set shipping (flat fee, free over an amount) and the restock-on-refund policy', body: ShopSettingsBody, response: { 200: ShopSettingsSchema } } },
    async (request) => commerce.putSettings(request.caller, request.body),
  );
}
