import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWorkers } from '../app.ts';
import { jobs } from '../drivers/queue/schema.ts';
import { offerAcceptances, offers, placements } from '../modules/placements/schema.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../../test/support/app.ts';
import { until } from '../../test/support/async.ts';
import { seedDemoContent } from './demo.ts';
import { DEMO_PLACEMENT_QUEUE, placeDemoCards, sceneWindow } from './placements.ts';

interface Card {
  id: string;
  productId: string;
  startMs: number;
  endMs: number;
  label: 'same' | 'similar';
  cta: string;
  product: { title: string; image: string | null; priceMinor: number; currency: string; fromPriceMinor: number };
}

interface SeriesBody {
  title: string;
  episodes: { id: string; number: number; mediaStatus: string; durationMs: number | null }[];
}

describe('demo scene windows', () => {
  it('puts scene cards inside their scene, after the title card, with the first one within 10 s of a 24 s episode', () => {
    const windows = [0, 1, 2, 3].map((scene) => sceneWindow(24_000, scene));
    expect(windows[0]?.startMs).toBeGreaterThanOrEqual(2_880);
    expect(windows[0]?.startMs).toBeLessThan(10_000);
    for (const [i, w] of windows.entries()) {
      expect(w.endMs).toBeGreaterThan(w.startMs + 4_000);
      if (i > 0) expect(w.startMs).toBeGreaterThanOrEqual(windows[i - 1]?.endMs ?? Infinity);
    }
    expect(windows[3]?.endMs).toBe(24_000);
    // Tiny test episodes still get a valid range.
    for (const scene of [0, 1, 2, 3]) {
      const w = sceneWindow(6_000, scene);
      expect(w.startMs).toBeGreaterThanOrEqual(0);
      expect(w.endMs).toBeGreaterThan(w.startMs);
      expect(w.endMs).toBeLessThanOrEqual(6_000);
    }
  });
});

describe('demo placements', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
    registerWorkers(t.platform);
    t.platform.drivers.queue.start();
  }, 120_000);
  afterAll(async () => t.close());

  async function firstEpisodeCards(viewer: TestClient, seriesId: string, minimum: number): Promise<{ series: SeriesBody; cards: Card[] }> {
    return until(
      `cards on the first episode of ${seriesId}`,
      async () => {
        const series = (await viewer.get(`/api/v1/series/${seriesId}`)).json<SeriesBody>();
        const episode = series.episodes[0];
        if (episode?.mediaStatus !== 'ready') return null;
        const playback = await viewer.get(`/api/v1/episodes/${episode.id}/playback`);
        expect(playback.statusCode).toBe(200);
        const cards = playback.json<{ placements: Card[] }>().placements;
        return cards.length >= minimum ? { series, cards } : null;
      },
      150_000,
    );
  }

  it('puts real products on the first free episode a newcomer plays, and re-seeding adds nothing', async () => {
    const options = { seriesCount: 2, episodesPerSeries: 1, episodeSeconds: 6 };
    const { seriesIds } = await seedDemoContent(t.platform, options);
    expect(seriesIds).toHaveLength(2);
    const viewer = new TestClient(t.app); // anonymous, as a newcomer is

    // 河神娶妻 episode 1: the eternal-flower bouquet in scene 0 and the mirror in scene 2, CNY.
    const river = await firstEpisodeCards(viewer, seriesIds[0] ?? '', 2);
    expect(river.series.title).toBe('河神娶妻');
    const duration = river.series.episodes[0]?.durationMs ?? 0;
    expect(river.cards.map((c) => c.product.title)).toEqual(['海洋之心永生花', '古风圆角木质落地镜']);
    expect(river.cards[0]).toMatchObject({ label: 'similar', cta: '新娘手捧花 · 相似款', product: { priceMinor: 29900, currency: 'CNY', fromPriceMinor: 29900 } });
    expect(river.cards[0]?.product.image).toMatch(/^https?:\/\//);
    expect(river.cards[0]).toMatchObject(sceneWindow(duration, 0));
    expect(river.cards[1]).toMatchObject({ ...sceneWindow(duration, 2), product: { priceMinor: 24900, currency: 'CNY' } });
    for (const card of river.cards) {
      expect(card.startMs).toBeGreaterThanOrEqual(0);
      expect(card.endMs).toBeLessThanOrEqual(duration);
      // The card is the product as its shop sells it.
      const product = (await viewer.get(`/api/v1/products/${card.productId}`)).json<{ title: string; skus: { priceMinor: number; currency: string }[] }>();
      expect(product.title).toBe(card.product.title);
      expect(product.skus[0]).toMatchObject({ priceMinor: card.product.priceMinor, currency: card.product.currency });
    }

    // 同居第一天 episode 1: a suitcase with colour variants (CNY), lip gloss from the UK shop (GBP), a chest of drawers.
    const together = await firstEpisodeCards(viewer, seriesIds[1] ?? '', 3);
    expect(together.cards.map((c) => [c.product.title, c.product.currency, c.label])).toEqual([
      ['104升 纯PC拉链斜纹拉杆箱', 'CNY', 'same'],
      ['ICE CREAM PEN LIP GLOSS', 'GBP', 'similar'],
      ['原素系列实木五斗柜', 'CNY', 'similar'],
    ]);
    expect(together.cards.every((c) => Number.isInteger(c.product.priceMinor) && c.product.priceMinor > 0)).toBe(true);

    // Each placement rests on an offer with a commission, accepted by the demo studio.
    const { db } = t.platform.drivers.database;
    const placed = await db.select().from(placements);
    expect(placed).toHaveLength(5);
    const offerRows = await db.select().from(offers).where(inArray(offers.id, placed.map((p) => p.offerId)));
    expect(offerRows.map((o) => o.commissionBps).sort()).toEqual([1200, 1200, 1200, 1200, 1500]);
    for (const p of placed) {
      expect(await db.select().from(offerAcceptances).where(and(eq(offerAcceptances.offerId, p.offerId), eq(offerAcceptances.studioId, p.studioId)))).toHaveLength(1);
    }
    const offerCount = (await db.select().from(offers)).length;
    const acceptanceCount = (await db.select().from(offerAcceptances)).length;

    // Re-seeding (every `npm start`) finds the same chains and offers; running a chain's step again places nothing.
    await seedDemoContent(t.platform, options);
    await until('no demo placement job pending', async () => {
      const pending = await db.select().from(jobs).where(and(eq(jobs.queue, DEMO_PLACEMENT_QUEUE), inArray(jobs.status, ['queued', 'running'])));
      return pending.length === 0;
    });
    const episodeId = river.series.episodes[0]?.id ?? '';
    const producerId = placed[0]?.createdBy ?? '';
    const again = await placeDemoCards(
      t.platform,
      producerId,
      episodeId,
      duration,
      river.cards.map((c) => ({ productId: c.productId, scene: 0, label: c.label, cta: c.cta })),
    );
    expect(again).toBe(0);
    expect(await db.select().from(placements)).toHaveLength(5);
    expect(await db.select().from(offers)).toHaveLength(offerCount);
    expect(await db.select().from(offerAcceptances)).toHaveLength(acceptanceCount);
    const replay = (await viewer.get(`/api/v1/episodes/${episodeId}/playback`)).json<{ placements: Card[] }>();
    expect(replay.placements.map((c) => c.id)).toEqual(river.cards.map((c) => c.id));
  }, 300_000);
});
