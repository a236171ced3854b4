import { Type } from '@sinclair/typebox';
import type { HttpApp } from '../../http/types.ts';
import { EpisodeSchema, SeriesSchema } from '../catalog/service.ts';
import type { FeedService } from './service.ts';

const tags = ['feed'];
const IdParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 64 }) });

const FeedItemSchema = Type.Object({ series: SeriesSchema, episode: EpisodeSchema, resumeAtMs: Type.Integer() });
const ViewingEntrySchema = Type.Object({
  series: SeriesSchema,
  episode: EpisodeSchema,
  positionMs: Type.Integer(),
  completed: Type.Boolean(),
  updatedAt: Type.String(),
});
const ProgressBody = Type.Object(
  {
    positionMs: Type.Integer({ minimum: 0, maximum: 24 * 3600_000 }),
    durationMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 * 3600_000 })),
  },
  { additionalProperties: false },
);

export function registerFeedRoutes(app: HttpApp, feed: FeedService): void {
  app.get(
    '/api/v1/feed',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'The vertical feed: one entry per published series, at the episode and second to play',
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 512 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(FeedItemSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => feed.feed(request.caller, request.query.cursor ?? null, request.query.limit ?? 10),
  );

  app.put(
    '/api/v1/episodes/:id/progress',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'Save where the viewer (user or device) is in an episode', params: IdParams, body: ProgressBody },
    },
    async (request, reply) => {
      await feed.saveProgress(request.caller, request.params.id, request.body.positionMs, request.body.durationMs ?? null);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me/continue',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Continue watching: the latest point per series', response: { 200: Type.Object({ items: Type.Array(ViewingEntrySchema) }) } } },
    async (request) => ({ items: await feed.continueWatching(request.caller) }),
  );

  app.get(
    '/api/v1/me/history',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Watch history, newest first', response: { 200: Type.Object({ items: Type.Array(ViewingEntrySchema) }) } } },
    async (request) => ({ items: await feed.history(request.caller) }),
  );

  app.put(
    '/api/v1/series/:id/follow',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Follow a series', params: IdParams } },
    async (request, reply) => {
      await feed.follow(request.caller, request.params.id);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/v1/series/:id/follow',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Stop following a series', params: IdParams } },
    async (request, reply) => {
      await feed.unfollow(request.caller, request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me/follows',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'Series you follow', response: { 200: Type.Object({ items: Type.Array(SeriesSchema) }) } } },
    async (request) => ({ items: await feed.followed(request.caller) }),
  );
}
