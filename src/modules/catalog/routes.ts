import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import type { HttpApp } from '../../http/types.ts';
import {
  EpisodeCreateBody,
  EpisodePatchBody,
  EpisodeSchema,
  IdParams,
  SeriesCreateBody,
  SeriesPatchBody,
  SeriesSchema,
  SeriesWithEpisodesSchema,
} from './http-schemas.ts';
import { COVER_MAX_BYTES, type CatalogService } from './service.ts';

const tags = ['catalog'];

export function registerCatalogRoutes(app: HttpApp, catalog: CatalogService, storage: Storage): void {
  for (const type of ['image/jpeg', 'image/png', 'image/webp']) {
    if (!app.hasContentTypeParser(type)) {
      app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: COVER_MAX_BYTES }, (_request, body, done) => done(null, body));
    }
  }

  app.post(
    '/api/v1/series',
    { config: { access: 'creator' }, schema: { tags, summary: 'Create a series in one of your studios', body: SeriesCreateBody, response: { 201: SeriesSchema } } },
    async (request, reply) => reply.status(201).send(await catalog.createSeries(request.caller, request.body)),
  );

  app.get(
    '/api/v1/series/:id',
    { config: { access: 'public' }, schema: { tags, summary: 'A series with its episodes (drafts only for its studio)', params: IdParams, response: { 200: SeriesWithEpisodesSchema } } },
    async (request) => catalog.getSeries(request.caller, request.params.id),
  );

  app.patch(
    '/api/v1/series/:id',
    { config: { access: 'creator' }, schema: { tags, summary: 'Edit a series', params: IdParams, body: SeriesPatchBody, response: { 200: SeriesSchema } } },
    async (request) => catalog.updateSeries(request.caller, request.params.id, request.body),
  );

  app.put(
    '/api/v1/series/:id/cover',
    {
      config: { access: 'creator' },
      bodyLimit: COVER_MAX_BYTES,
      schema: { tags, summary: 'Upload the cover image (raw JPEG, PNG or WebP body, 5 MB at most)', params: IdParams, response: { 200: SeriesSchema } },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError('UNSUPPORTED_MEDIA', 'Send the image as the raw body with its image/* content type');
      return catalog.setCover(request.caller, request.params.id, (request.headers['content-type'] ?? '').split(';')[0] ?? '', body);
    },
  );

  app.get(
    '/api/v1/series/:id/cover',
    { config: { access: 'public' }, schema: { tags, summary: 'The cover image', params: IdParams } },
    async (request, reply) => {
      const cover = await catalog.coverOf(request.caller, request.params.id);
      reply.header('cache-control', 'public, max-age=86400').type(cover.contentType);
      return reply.send(await storage.read(cover.key));
    },
  );

  app.post(
    '/api/v1/series/:id/publish',
    { config: { access: 'creator' }, schema: { tags, summary: 'Publish a series', params: IdParams, response: { 200: SeriesSchema } } },
    async (request) => catalog.publishSeries(request.caller, request.params.id),
  );

  app.get(
    '/api/v1/studio/series',
    { config: { access: 'creator' }, schema: { tags, summary: "Your studios' series, drafts included", response: { 200: Type.Object({ items: Type.Array(SeriesSchema) }) } } },
    async (request) => ({ items: await catalog.listStudioSeries(request.caller) }),
  );

  app.post(
    '/api/v1/series/:id/episodes',
    { config: { access: 'creator' }, schema: { tags, summary: 'Add an episode (priceCoins 0 = free)', params: IdParams, body: EpisodeCreateBody, response: { 201: EpisodeSchema } } },
    async (request, reply) => reply.status(201).send(await catalog.createEpisode(request.caller, request.params.id, request.body)),
  );

  app.get(
    '/api/v1/episodes/:id',
    {
      config: { access: 'public' },
      schema: { tags, summary: 'An episode (drafts only for its studio)', params: IdParams, response: { 200: Type.Composite([EpisodeSchema, Type.Object({ seriesTitle: Type.String() })]) } },
    },
    async (request) => catalog.getEpisode(request.caller, request.params.id),
  );

  app.patch(
    '/api/v1/episodes/:id',
    { config: { access: 'creator' }, schema: { tags, summary: 'Edit an episode', params: IdParams, body: EpisodePatchBody, response: { 200: EpisodeSchema } } },
    async (request) => catalog.updateEpisode(request.caller, request.params.id, request.body),
  );

  app.post(
    '/api/v1/episodes/:id/publish',
    { config: { access: 'creator' }, schema: { tags, summary: 'Publish an episode whose video is ready', params: IdParams, response: { 200: EpisodeSchema } } },
    async (request) => catalog.publishEpisode(request.caller, request.params.id),
  );
}
