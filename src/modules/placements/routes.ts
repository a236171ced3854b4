import { Type } from '@sinclair/typebox';
import type { HttpApp } from '../../http/types.ts';
import type { PlacementsService } from './service.ts';

const tags = ['placements'];

const Id = Type.String({ minLength: 1, maxLength: 64 });
const IdParams = Type.Object({ id: Id });
const PlacementParams = Type.Object({ id: Id, placementId: Id });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Ms = Type.Integer({ minimum: 0, maximum: 24 * 3600_000 });

export const ProductCardSchema = Type.Object({
  title: Type.String(),
  image: Type.Union([Type.String(), Type.Null()]),
  priceMinor: Type.Integer(),
  fromPriceMinor: Type.Integer(),
  currency: Type.String(),
});

export const BoxSchema = Type.Object(
  { x: Fraction, y: Fraction, w: Fraction, h: Fraction },
  { additionalProperties: false, description: 'Fractions of the frame from its top-left corner; x + w <= 1 and y + h <= 1' },
);
const Label = Type.Union([Type.Literal('same'), Type.Literal('similar')], { description: '"same item" (剧中同款) or "similar"' });
const Cta = Type.String({ minLength: 1, maxLength: 40 });

const OfferSchema = Type.Object({
  id: Type.String(),
  shopId: Type.String(),
  productId: Type.String(),
  commissionBps: Type.Integer({ description: 'Commission per sale in basis points of the paid price (1000 = 10 %)' }),
  audience: Type.Union([Type.Literal('all'), Type.Literal('studios')]),
  studioIds: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('withdrawn')]),
  createdAt: Type.String({ format: 'date-time' }),
  acceptances: Type.Integer({ description: "Studios that accepted it (the merchant's view)" }),
  acceptedByMe: Type.Boolean({ description: "One of the caller's studios accepted it" }),
  product: Type.Union([ProductCardSchema, Type.Null()]),
});

const PlacementSchema = Type.Object({
  id: Type.String(),
  episodeId: Type.String(),
  offerId: Type.String(),
  productId: Type.String(),
  startMs: Type.Integer(),
  endMs: Type.Integer(),
  box: Type.Union([BoxSchema, Type.Null()]),
  label: Label,
  cta: Type.String(),
  live: Type.Boolean({ description: 'Shown to viewers: the offer is active and the product on sale' }),
  product: Type.Union([ProductCardSchema, Type.Null()]),
});

const PlacementFields = {
  productId: Id,
  startMs: Ms,
  endMs: Ms,
  box: Type.Union([BoxSchema, Type.Null()]),
  label: Label,
  cta: Cta,
};
const PlacementBody = Type.Object(
  { ...PlacementFields, box: Type.Optional(PlacementFields.box) },
  { additionalProperties: false },
);
const PlacementPatch = Type.Partial(Type.Object(PlacementFields, { additionalProperties: false }));

export function registerPlacementRoutes(app: HttpApp, placements: PlacementsService): void {
  app.post(
    '/api/v1/offers',
    {
      config: { access: 'merchant' },
      schema: {
        tags,
        summary: 'Offer one of your products for placement, at a commission, to all studios or to named ones',
        body: Type.Object(
          {
            productId: Id,
            commissionBps: Type.Integer({ minimum: 0, maximum: 10_000 }),
            audience: Type.Union([Type.Literal('all'), Type.Literal('studios')]),
            studioIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: OfferSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await placements.offers.create(request.caller, request.body)),
  );

  app.get(
    '/api/v1/offers',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "Merchants: your shops' offers. Producers: the active offers open to your studios",
        response: { 200: Type.Object({ items: Type.Array(OfferSchema) }) },
      },
    },
    async (request) => ({ items: await placements.offers.list(request.caller) }),
  );

  app.post(
    '/api/v1/offers/:id/withdraw',
    { config: { access: 'merchant' }, schema: { tags, summary: 'Withdraw an offer: its placements stop showing', params: IdParams, response: { 200: OfferSchema } } },
    async (request) => placements.offers.withdraw(request.caller, request.params.id),
  );

  app.post(
    '/api/v1/offers/:id/accept',
    {
      config: { access: 'creator' },
      schema: {
        tags,
        summary: 'Accept an offer for one of your studios (the first one unless named); accepting again changes nothing',
        params: IdParams,
        body: Type.Object({ studioId: Type.Optional(Id) }, { additionalProperties: false }),
        response: { 200: OfferSchema },
      },
    },
    async (request) => placements.offers.accept(request.caller, request.params.id, request.body.studioId),
  );

  app.get(
    '/api/v1/episodes/:id/placements',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: "Products on the episode's timeline: live ones for viewers who may watch it, all of them for its studio",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(PlacementSchema) }) },
      },
    },
    async (request) => ({ items: await placements.listForEpisode(request.caller, request.params.id) }),
  );

  app.post(
    '/api/v1/episodes/:id/placements',
    {
      config: { access: 'creator' },
      schema: {
        tags,
        summary: 'Place a product on the timeline (inside the episode, a product your studio accepted an offer for)',
        params: IdParams,
        body: PlacementBody,
        response: { 201: PlacementSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await placements.create(request.caller, request.params.id, request.body)),
  );

  app.patch(
    '/api/v1/episodes/:id/placements/:placementId',
    {
      config: { access: 'creator' },
      schema: { tags, summary: 'Change a placement; the result is validated like a new one', params: PlacementParams, body: PlacementPatch, response: { 200: PlacementSchema } },
    },
    async (request) => placements.update(request.caller, request.params.id, request.params.placementId, request.body),
  );

  app.delete(
    '/api/v1/episodes/:id/placements/:placementId',
    { config: { access: 'creator' }, schema: { tags, summary: 'Remove a placement', params: PlacementParams } },
    async (request, reply) => {
      await placements.remove(request.caller, request.params.id, request.params.placementId);
      return reply.status(204).send();
    },
  );
}
