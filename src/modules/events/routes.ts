import { Type } from '@sinclair/typebox';
import type { HttpApp } from '../../http/types.ts';
import { MAX_EVENTS_PER_BATCH, type EventsService } from './service.ts';

const tags = ['events'];

const EventSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Made by the client; a retry sends the same id and is counted once' }),
    type: Type.Union([Type.Literal('card_impression'), Type.Literal('card_click')]),
    placementId: Type.String({ minLength: 1, maxLength: 64 }),
    atMs: Type.Integer({ minimum: 0, maximum: 24 * 3600_000, description: 'The second in the episode (ms)' }),
  },
  { additionalProperties: false },
);

export function registerEventRoutes(app: HttpApp, events: EventsService): void {
  app.post(
    '/api/v1/events',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: `Card impressions and clicks, in batches of up to ${MAX_EVENTS_PER_BATCH}; answered after the durable write`,
        description:
          'The server stamps the viewer and the time and derives episode, series and product from the placement. ' +
          'An event on an unknown placement, or on an episode the caller may not watch, is rejected on its own. ' +
          'Cookie sessions send x-csrf-token (use fetch with keepalive rather than sendBeacon).',
        body: Type.Object({ events: Type.Array(EventSchema, { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            accepted: Type.Integer(),
            duplicates: Type.Integer(),
            rejected: Type.Array(Type.Object({ id: Type.String(), code: Type.String() })),
          }),
        },
      },
    },
    async (request) => events.record(request.caller, request.body.events),
  );
}
