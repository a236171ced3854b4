import { Type } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()]);

export const EpisodeSchema = Type.Object({
  id: Type.String(),
  seriesId: Type.String(),
  number: Type.Integer(),
  title: Type.String(),
  priceCoins: Type.Integer(),
  free: Type.Boolean(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published')]),
  mediaStatus: Type.Union([Type.Literal('none'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]),
  durationMs: Nullable(Type.Integer()),
  posterUrl: Nullable(Type.String()),
  fit: Type.Union([Type.Literal('pad'), Type.Literal('crop')]),
  publishWhenReady: Type.Boolean(),
  publishedAt: Nullable(Type.String()),
});

export const SeriesSchema = Type.Object({
  id: Type.String(),
  studioId: Type.String(),
  title: Type.String(),
  synopsis: Type.String(),
  coverUrl: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  language: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('published')]),
  attribution: Nullable(Type.String()),
  episodeCount: Type.Integer(),
  freeEpisodeCount: Type.Integer(),
  freeEpisodes: Type.Integer(),
  bundlePriceCoins: Nullable(Type.Integer()),
  inVip: Type.Boolean(),
  adUnlock: Type.Boolean(),
  createdAt: Type.String(),
  publishedAt: Nullable(Type.String()),
});

export const SeriesWithEpisodesSchema = Type.Composite([
  SeriesSchema,
  Type.Object({ episodes: Type.Array(EpisodeSchema), canManage: Type.Boolean() }),
]);

const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 12 });
const Language = Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$' });

export const SeriesCreateBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 120 }),
    synopsis: Type.Optional(Type.String({ maxLength: 4000 })),
    tags: Type.Optional(Tags),
    language: Type.Optional(Language),
    studioId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const SeriesPatchBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    synopsis: Type.Optional(Type.String({ maxLength: 4000 })),
    tags: Type.Optional(Tags),
    language: Type.Optional(Language),
    freeEpisodes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Episodes numbered up to this are free' })),
    bundlePriceCoins: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()], { description: 'Coins for the whole series; null takes the bundle off sale' }),
    ),
    inVip: Type.Optional(Type.Boolean({ description: 'VIP members watch the whole series' })),
    adUnlock: Type.Optional(Type.Boolean({ description: 'A rewarded ad may unlock an episode' })),
  },
  { additionalProperties: false },
);

const PriceCoins = Type.Integer({ minimum: 0, maximum: 100_000 });
const Fit = Type.Union([Type.Literal('pad'), Type.Literal('crop')], { description: 'How a non-vertical video becomes 9:16 (default pad = letterbox)' });
const PublishWhenReady = Type.Boolean({ description: 'Publish the episode as soon as its video is ready' });

export const EpisodeCreateBody = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: 10_000 }),
    title: Type.String({ minLength: 1, maxLength: 120 }),
    priceCoins: PriceCoins,
    fit: Type.Optional(Fit),
    publishWhenReady: Type.Optional(PublishWhenReady),
  },
  { additionalProperties: false },
);

export const EpisodePatchBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    priceCoins: Type.Optional(PriceCoins),
    fit: Type.Optional(Fit),
    publishWhenReady: Type.Optional(PublishWhenReady),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 64 }) });
