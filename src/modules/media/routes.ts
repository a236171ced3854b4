import { Type } from '@sinclair/typebox';
import type { HttpApp } from '../../http/types.ts';
import type { MediaService } from './service.ts';

const tags = ['media'];
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()]);

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const MediaSchema = Type.Object({
  assetId: Type.String(),
  status: Type.Union([
    Type.Literal('uploading'),
    Type.Literal('queued'),
    Type.Literal('transcoding'),
    Type.Literal('ready'),
    Type.Literal('failed'),
    Type.Literal('rejected'),
  ]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  failureReason: Nullable(Type.String()),
  durationMs: Nullable(Type.Integer()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  sceneCutsMs: Type.Array(Type.Integer()),
  renditions: Type.Array(
    Type.Object({ name: Type.String(), width: Type.Integer(), height: Type.Integer(), bandwidth: Type.Integer(), codecs: Type.String() }),
  ),
});

const PlaybackSchema = Type.Object({
  hlsUrl: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  resumeAtMs: Type.Integer({ minimum: 0 }),
  posterUrl: Nullable(Type.String()),
  thumbnailsVttUrl: Nullable(Type.String()),
  placements: Type.Array(
    Type.Object({
      id: Type.String(),
      productId: Type.String(),
      startMs: Type.Integer(),
      endMs: Type.Integer(),
      box: Type.Union([Type.Object({ x: Type.Number(), y: Type.Number(), w: Type.Number(), h: Type.Number() }), Type.Null()]),
      label: Type.Union([Type.Literal('same'), Type.Literal('similar')]),
      cta: Type.String(),
      product: Type.Object({ title: Type.String(), image: Nullable(Type.String()), priceMinor: Type.Integer(), currency: Type.String(), fromPriceMinor: Type.Integer() }),
    }),
    { description: "Product cards on the episode's timeline (show each from startMs to endMs)" },
  ),
});

export function registerMediaApiRoutes(app: HttpApp, media: MediaService): void {
  app.get(
    '/api/v1/episodes/:id/media',
    {
      config: { access: 'creator' },
      schema: { tags, summary: "The episode's newest video: processing state, ladder and scene cuts", params: IdParams, response: { 200: MediaSchema } },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return media.mediaForManager(request.caller, request.params.id);
    },
  );

  app.get(
    '/api/v1/episodes/:id/playback',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Signed HLS, poster and thumbnail URLs for this viewer (403 ENTITLEMENT_REQUIRED for a locked episode)',
        params: IdParams,
        response: { 200: PlaybackSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'private, no-store');
      return media.playback(request.caller, request.params.id);
    },
  );

  app.get(
    '/api/v1/episodes/:id/poster',
    { config: { access: 'public' }, schema: { tags, summary: 'The poster frame (JPEG)', params: IdParams } },
    async (request, reply) => {
      const poster = await media.poster(request.caller, request.params.id);
      reply
        .type('image/jpeg')
        .header('content-length', poster.size)
        .header('etag', `"${poster.assetId}"`)
        // A draft's poster is for its studio only: no shared cache may keep it.
        .header('cache-control', poster.public ? 'public, max-age=300' : 'private, max-age=60');
      return reply.send(poster.body);
    },
  );
}
