import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { testPostgresUrl } from '../../../test/support/db.ts';
import { publishedSeries } from '../../../test/paywall/support.ts';
import { openApiSchemaErrors, pathParameterErrors, type OpenApiDocument } from '../../../test/process/support/openapi.ts';
import { acceptOffer, createOffer, createProduct, place, placeableProduct, placementBody, signedUp } from '../../../test/placements/support.ts';
import { offerAcceptances, placements } from './schema.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

let t: TestPlatform;
let merchantA: TestClient;
let merchantB: TestClient;
let producerA: TestClient;
let producerB: TestClient;
let viewer: TestClient;
let freeEpisode = '';

interface OfferView {
  id: string;
  productId: string;
  status: string;
  acceptances: number;
  acceptedByMe: boolean;
  audience: string;
  studioIds: string[];
  product: { title: string; priceMinor: number; fromPriceMinor: number; currency: string } | null;
}
interface PlacementView {
  id: string;
  productId: string;
  startMs: number;
  endMs: number;
  box: { x: number; y: number; w: number; h: number } | null;
  live: boolean;
}

const db = () => t.platform.drivers.database.db;
const placementCount = async (episodeId: string) => (await db().select({ n: count() }).from(placements).where(eq(placements.episodeId, episodeId)))[0]?.n ?? 0;
const offersSeenBy = async (client: TestClient) => {
  const response = await client.get('/api/v1/offers');
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: OfferView[] }>().items;
};

beforeAll(async () => {
  t = await startTestPlatform();
  [merchantA, merchantB, producerA, producerB, viewer] = await Promise.all([
    signedUp(t, 'merchant'),
    signedUp(t, 'merchant'),
    signedUp(t, 'creator'),
    signedUp(t, 'creator'),
    signedUp(t, 'viewer'),
  ]);
  // One free episode, 6000 ms long.
  const series = await publishedSeries(t, producerA, { prices: [0] });
  freeEpisode = series.episodeIds[0] ?? '';
});
afterAll(async () => t.close());

describe(`offers (${label})`, () => {
  it('reach all studios or only the named ones; accepting is per studio and idempotent; merchants see only their own', async () => {
    const productId = await createProduct(merchantA, { title: 'Pearl earrings', prices: [2999, 1999] });
    const toAll = await createOffer(merchantA, productId, { commissionBps: 1200 });
    const toA = await createOffer(merchantA, productId, { audience: 'studios', studioIds: [producerA.orgIds[0] ?? ''], commissionBps: 1500 });

    expect((await offersSeenBy(producerA)).map((o) => o.id).sort()).toEqual([toAll, toA].sort());
    expect((await offersSeenBy(producerB)).map((o) => o.id)).toEqual([toAll]);
    const seenByA = (await offersSeenBy(producerA)).find((o) => o.id === toA);
    expect(seenByA?.product).toEqual({ title: 'Pearl earrings', image: 'https://example.com/bag.jpg', priceMinor: 2999, fromPriceMinor: 1999, currency: 'CNY' });

    // Producer B cannot take an offer it was not given; it does not even exist for B.
    const hidden = await producerB.post(`/api/v1/offers/${toA}/accept`, {});
    expect(hidden.statusCode).toBe(404);
    expect(hidden.headers['content-type']).toContain('application/problem+json');

    await acceptOffer(producerA, toA);
    await acceptOffer(producerA, toA);
    await acceptOffer(producerB, toAll);
    expect((await db().select().from(offerAcceptances).where(eq(offerAcceptances.offerId, toA))).length).toBe(1);
    expect((await offersSeenBy(producerA)).find((o) => o.id === toA)?.acceptedByMe).toBe(true);
    expect((await offersSeenBy(producerA)).find((o) => o.id === toAll)?.acceptedByMe).toBe(false);

    const mine = await offersSeenBy(merchantA);
    expect(mine.map((o) => [o.id, o.acceptances]).sort()).toEqual([[toA, 1], [toAll, 1]].sort());
    expect(await offersSeenBy(merchantB)).toEqual([]);
    expect((await viewer.get('/api/v1/offers')).statusCode).toBe(403);
  });

  it("refuses offers on another shop's product, audiences without studios, and foreign withdrawals; a withdrawn offer can no longer be taken", async () => {
    const productId = await createProduct(merchantA);
    const foreign = await merchantB.post('/api/v1/offers', { productId, commissionBps: 500, audience: 'all' });
    expect(foreign.statusCode).toBe(403);
    const noStudios = await merchantA.post('/api/v1/offers', { productId, commissionBps: 500, audience: 'studios' });
    expect(noStudios.statusCode).toBe(400);
    expect(noStudios.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/studioIds' }] });
    const tooMuch = await merchantA.post('/api/v1/offers', { productId, commissionBps: 10_001, audience: 'all' });
    expect(tooMuch.statusCode).toBe(400);
    expect((await producerA.post('/api/v1/offers', { productId, commissionBps: 500, audience: 'all' })).statusCode).toBe(403);

    const offerId = await createOffer(merchantA, productId);
    expect((await merchantB.post(`/api/v1/offers/${offerId}/withdraw`)).statusCode).toBe(404);
    const withdrawn = await merchantA.post(`/api/v1/offers/${offerId}/withdraw`);
    expect(withdrawn.statusCode).toBe(200);
    expect(withdrawn.json<OfferView>().status).toBe('withdrawn');
    const late = await producerA.post(`/api/v1/offers/${offerId}/accept`, {});
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'INVALID_STATE' });
    expect((await offersSeenBy(producerA)).some((o) => o.id === offerId)).toBe(false);
  });
});

describe(`placements on the timeline (${label})`, () => {
  it('are validated: inside the duration, end after start, box in frame, short cta, a product with an accepted offer; overlaps are fine; failures write nothing', async () => {
    const productId = await placeableProduct(merchantA, producerA);
    const first = await place(producerA, freeEpisode, { productId, startMs: 1000, endMs: 3000, box: { x: 0.15, y: 0.5, w: 0.85, h: 0.5 } });
    // Overlapping another placement is allowed, and the range may end exactly at the episode's end.
    await place(producerA, freeEpisode, { productId, startMs: 2000, endMs: 6000, label: 'similar' });
    expect(await placementCount(freeEpisode)).toBe(2);

    const offeredNotAccepted = await createProduct(merchantA);
    await createOffer(merchantA, offeredNotAccepted);
    const onlyForB = await createProduct(merchantA);
    await createOffer(merchantA, onlyForB, { audience: 'studios', studioIds: [producerB.orgIds[0] ?? ''] });
    const withdrawnProduct = await createProduct(merchantA);
    const withdrawnOffer = await createOffer(merchantA, withdrawnProduct);
    await acceptOffer(producerA, withdrawnOffer);
    await merchantA.post(`/api/v1/offers/${withdrawnOffer}/withdraw`);

    const refusals: [string, Record<string, unknown>, number, string, string | null][] = [
      ['outside the duration', placementBody({ productId, startMs: 5000, endMs: 6001 }), 400, 'VALIDATION_FAILED', '/endMs'],
      ['end before start', placementBody({ productId, startMs: 3000, endMs: 3000 }), 400, 'VALIDATION_FAILED', '/endMs'],
      ['negative start', placementBody({ productId, startMs: -1, endMs: 3000 }), 400, 'VALIDATION_FAILED', null],
      ['box out of frame (x + w > 1)', placementBody({ productId, startMs: 0, endMs: 1000, box: { x: 0.6, y: 0, w: 0.5, h: 0.5 } }), 400, 'VALIDATION_FAILED', '/box'],
      ['box out of frame (y + h > 1)', placementBody({ productId, startMs: 0, endMs: 1000, box: { x: 0, y: 0.9, w: 0.5, h: 0.2 } }), 400, 'VALIDATION_FAILED', '/box'],
      ['box fraction above 1', placementBody({ productId, startMs: 0, endMs: 1000, box: { x: 1.2, y: 0, w: 0.1, h: 0.1 } }), 400, 'VALIDATION_FAILED', null],
      ['empty box', placementBody({ productId, startMs: 0, endMs: 1000, box: { x: 0.1, y: 0.1, w: 0, h: 0.1 } }), 400, 'VALIDATION_FAILED', '/box'],
      ['cta over 40 chars', placementBody({ productId, startMs: 0, endMs: 1000, cta: 'x'.repeat(41) }), 400, 'VALIDATION_FAILED', null],
      ['blank cta', placementBody({ productId, startMs: 0, endMs: 1000, cta: '   ' }), 400, 'VALIDATION_FAILED', '/cta'],
      ['unknown label', { ...placementBody({ productId, startMs: 0, endMs: 1000 }), label: 'lookalike' }, 400, 'VALIDATION_FAILED', null],
      ['offered but not accepted', placementBody({ productId: offeredNotAccepted, startMs: 0, endMs: 1000 }), 400, 'VALIDATION_FAILED', '/productId'],
      ['offered to another studio only', placementBody({ productId: onlyForB, startMs: 0, endMs: 1000 }), 400, 'VALIDATION_FAILED', '/productId'],
      ['accepted, then withdrawn', placementBody({ productId: withdrawnProduct, startMs: 0, endMs: 1000 }), 400, 'VALIDATION_FAILED', '/productId'],
      ['unknown product', placementBody({ productId: 'prd_nope', startMs: 0, endMs: 1000 }), 400, 'VALIDATION_FAILED', '/productId'],
    ];
    for (const [what, body, status, code, path] of refusals) {
      const response = await producerA.post(`/api/v1/episodes/${freeEpisode}/placements`, body);
      expect(response.statusCode, what).toBe(status);
      expect(response.headers['content-type'], what).toContain('application/problem+json');
      expect(response.json(), what).toMatchObject({ code });
      if (path) expect(response.json<{ errors: { path: string }[] }>().errors[0]?.path, what).toBe(path);
    }
    expect(await placementCount(freeEpisode)).toBe(2);

    // Another studio, a merchant and a viewer cannot place on producer A's episode.
    const foreignStudioProduct = await placeableProduct(merchantA, producerB);
    const byB = await producerB.post(`/api/v1/episodes/${freeEpisode}/placements`, placementBody({ productId: foreignStudioProduct, startMs: 0, endMs: 1000 }));
    expect(byB.statusCode).toBe(403);
    expect(byB.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await merchantA.post(`/api/v1/episodes/${freeEpisode}/placements`, placementBody({ productId, startMs: 0, endMs: 1000 }))).statusCode).toBe(403);
    expect((await viewer.post(`/api/v1/episodes/${freeEpisode}/placements`, placementBody({ productId, startMs: 0, endMs: 1000 }))).statusCode).toBe(403);
    expect(await placementCount(freeEpisode)).toBe(2);

    // Producer B cannot change or remove A's placements either; a bad edit by A changes nothing.
    expect((await producerB.patch(`/api/v1/episodes/${freeEpisode}/placements/${first}`, { endMs: 2000 })).statusCode).toBe(403);
    expect((await producerB.delete(`/api/v1/episodes/${freeEpisode}/placements/${first}`)).statusCode).toBe(403);
    expect((await producerA.patch(`/api/v1/episodes/${freeEpisode}/placements/${first}`, { endMs: 9000 })).statusCode).toBe(400);
    expect((await producerA.patch(`/api/v1/episodes/${freeEpisode}/placements/${first}`, { startMs: 3500 })).statusCode).toBe(400);
    const [unchanged] = await db().select().from(placements).where(eq(placements.id, first));
    expect([unchanged?.startMs, unchanged?.endMs, unchanged?.boxX]).toEqual([1000, 3000, 0.15]);

    const edited = await producerA.patch(`/api/v1/episodes/${freeEpisode}/placements/${first}`, { startMs: 500, box: null, cta: '同款手袋' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ id: first, startMs: 500, endMs: 3000, box: null, cta: '同款手袋', live: true });

    const temporary = await place(producerA, freeEpisode, { productId, startMs: 100, endMs: 200 });
    expect((await producerA.delete(`/api/v1/episodes/${freeEpisode}/placements/${temporary}`)).statusCode).toBe(204);
    expect((await producerA.delete(`/api/v1/episodes/${freeEpisode}/placements/${temporary}`)).statusCode).toBe(404);
    expect(await placementCount(freeEpisode)).toBe(2);
  });

  it('are refused on an episode whose video is not ready (its duration is unknown) and on drafts of others (404)', async () => {
    const productId = await placeableProduct(merchantA, producerA);
    const seriesId = (await producerA.post('/api/v1/series', { title: 'Unfinished' })).json<{ id: string }>().id;
    const draft = (await producerA.post(`/api/v1/series/${seriesId}/episodes`, { number: 1, title: 'No video', priceCoins: 0 })).json<{ id: string }>().id;
    const early = await producerA.post(`/api/v1/episodes/${draft}/placements`, placementBody({ productId, startMs: 0, endMs: 1000 }));
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'EPISODE_NOT_READY' });
    const foreign = await producerB.post(`/api/v1/episodes/${draft}/placements`, placementBody({ productId, startMs: 0, endMs: 1000 }));
    expect(foreign.statusCode).toBe(404);
    expect(await placementCount(draft)).toBe(0);
  });
});

describe(`placements in playback (${label})`, () => {
  it('playback carries the live cards in time order; withdrawn offers and archived products drop out; a locked episode shows none', async () => {
    const { episodeIds } = await publishedSeries(t, producerA, { prices: [0, 40] });
    const [episodeId = '', lockedId = ''] = episodeIds;
    const bag = await placeableProduct(merchantA, producerA, { title: 'Red handbag', prices: [3999, 2999, 4999], images: ['https://example.com/red.jpg', 'https://example.com/red2.jpg'] });
    const scarfProduct = await createProduct(merchantA, { title: 'Silk scarf', prices: [1500], currency: 'CNY', images: [] });
    const scarfOffer = await createOffer(merchantA, scarfProduct);
    await acceptOffer(producerA, scarfOffer);
    const coat = await placeableProduct(merchantA, producerA, { title: 'Coat', prices: [9900] });
    const late = await place(producerA, episodeId, { productId: bag, startMs: 4000, endMs: 5000, label: 'similar', cta: 'Similar bag' });
    const early = await place(producerA, episodeId, { productId: bag, startMs: 1000, endMs: 2500, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 } });
    await place(producerA, episodeId, { productId: scarfProduct, startMs: 0, endMs: 900 });
    await place(producerA, episodeId, { productId: coat, startMs: 3000, endMs: 3500 });
    await place(producerA, lockedId, { productId: bag, startMs: 0, endMs: 1000 });

    const anonymous = new TestClient(t.app);
    const playback = await anonymous.get(`/api/v1/episodes/${episodeId}/playback`);
    expect(playback.statusCode, playback.body).toBe(200);
    const cards = playback.json<{ placements: unknown[] }>().placements;
    expect(cards).toHaveLength(4);
    expect(cards[1]).toEqual({
      id: early,
      productId: bag,
      startMs: 1000,
      endMs: 2500,
      box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
      label: 'same',
      cta: 'Shop the look',
      product: { title: 'Red handbag', image: 'https://example.com/red.jpg', priceMinor: 3999, currency: 'CNY', fromPriceMinor: 2999 },
    });
    expect(cards[3]).toMatchObject({ id: late, label: 'similar', box: null, cta: 'Similar bag' });
    expect(cards[0]).toMatchObject({ productId: scarfProduct, product: { image: null, priceMinor: 1500, fromPriceMinor: 1500 } });

    // The merchant withdraws the scarf offer and archives the coat: viewers no longer see those cards.
    await merchantA.post(`/api/v1/offers/${scarfOffer}/withdraw`);
    expect((await merchantA.patch(`/api/v1/products/${coat}`, { status: 'archived' })).statusCode).toBe(200);
    const after = (await anonymous.get(`/api/v1/episodes/${episodeId}/playback`)).json<{ placements: { id: string }[] }>().placements;
    expect(after.map((c) => c.id)).toEqual([early, late]);
    const publicList = (await anonymous.get(`/api/v1/episodes/${episodeId}/placements`)).json<{ items: PlacementView[] }>().items;
    expect(publicList.map((p) => p.id)).toEqual([early, late]);
    // Its studio still sees all four, the dropped ones marked not live.
    const managed = (await producerA.get(`/api/v1/episodes/${episodeId}/placements`)).json<{ items: PlacementView[] }>().items;
    expect(managed.map((p) => p.live)).toEqual([false, true, false, true]);

    // A priced episode the viewer has not unlocked shows neither video nor cards.
    expect((await anonymous.get(`/api/v1/episodes/${lockedId}/playback`)).statusCode).toBe(403);
    const lockedCards = await anonymous.get(`/api/v1/episodes/${lockedId}/placements`);
    expect(lockedCards.statusCode).toBe(403);
    expect(lockedCards.json()).toMatchObject({ code: 'ENTITLEMENT_REQUIRED' });
    expect((await producerA.get(`/api/v1/episodes/${lockedId}/placements`)).json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('every placements and events route is in the OpenAPI document under its tag', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, Record<string, { tags?: string[] }>> }>();
    const expected: [string, string, string][] = [
      ['/api/v1/offers', 'post', 'placements'],
      ['/api/v1/offers', 'get', 'placements'],
      ['/api/v1/offers/{id}/withdraw', 'post', 'placements'],
      ['/api/v1/offers/{id}/accept', 'post', 'placements'],
      ['/api/v1/episodes/{id}/placements', 'get', 'placements'],
      ['/api/v1/episodes/{id}/placements', 'post', 'placements'],
      ['/api/v1/episodes/{id}/placements/{placementId}', 'patch', 'placements'],
      ['/api/v1/episodes/{id}/placements/{placementId}', 'delete', 'placements'],
      ['/api/v1/events', 'post', 'events'],
    ];
    for (const [path, method, tag] of expected) expect(doc.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual([tag]);
    // The document stays a valid OpenAPI 3.1 document with every path parameter declared.
    expect(await openApiSchemaErrors(doc)).toEqual([]);
    expect(pathParameterErrors(doc as unknown as OpenApiDocument)).toEqual([]);
  });
});
