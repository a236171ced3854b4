import type { Platform } from '../app.ts';
import { AppError } from '../core/errors.ts';
import { sceneFrames } from '../ffmpeg/demo-video.ts';
import type { Caller } from '../http/context.ts';
import type { MerchantProductView } from '../modules/commerce/service.ts';
import type { DemoShops } from './shops.ts';

/**
 * The demo's shoppable scenes: each demo shop offers a few of its real imported products (litemall,
 * CNY; Online Retail, GBP) to all studios, the demo studio accepts, and the cards go on the demo
 * episodes in the scenes that mention them. A placement needs the episode's duration, which exists
 * only once the video is transcoded, so each episode gets a small job chain (`demo-placements`)
 * that waits for the video and then places its cards. The chain's dedupe key is per episode, so
 * re-seeding (every `npm start`) never starts a second one, and a card the studio removed stays
 * removed.
 */
export const DEMO_PLACEMENT_QUEUE = 'demo-placements';
const POLL_MS = 2000;

type ShopKey = keyof DemoShops;
type Label = 'same' | 'similar';

interface DemoCard {
  shop: ShopKey;
  /** The product's id in the imported catalogue (litemall goods id, Online Retail stock code). */
  sourceRef: string;
  /** 0..3: the scene of the episode (the title card comes before scene 0). */
  scene: number;
  label: Label;
  cta: string;
}

/** Commission (CPS, basis points of the paid price) each demo shop offers. */
const COMMISSION_BPS: Record<ShopKey, number> = { cn: 1200, uk: 1500 };

/** By KuaiRec video id (the series, see scripts.ts), then episode number. */
const DEMO_CARDS: Record<string, Record<number, DemoCard[]>> = {
  // 河神娶妻 The River God Takes a Bride
  '6325': {
    1: [
      // "The village is sending the river god a bride again."
      { shop: 'cn', sourceRef: '1083009', scene: 0, label: 'similar', cta: '新娘手捧花 · 相似款' }, // 海洋之心永生花
      // "The red dress is ready. You leave at dawn."
      { shop: 'cn', sourceRef: '1065005', scene: 2, label: 'similar', cta: '古风梳妆镜 · 去看看' }, // 古风圆角木质落地镜
    ],
    // "Don't be afraid. This is my home."
    2: [{ shop: 'cn', sourceRef: '1109008', scene: 1, label: 'similar', cta: '河神家的沙发 · 相似款' }], // 云端沙发组合
    // "It seems to be glowing."
    3: [{ shop: 'uk', sourceRef: '21733', scene: 1, label: 'similar', cta: '会发光的红心 · 看看' }], // RED HANGING HEART T-LIGHT HOLDER
    // "I want to see my mother."
    4: [{ shop: 'cn', sourceRef: '1010001', scene: 0, label: 'similar', cta: '给妈妈的羊毛毯' }], // 澳洲纯羊毛盖毯 舒适款
  },
  // 同居第一天 Day One of Living Together
  '6395': {
    1: [
      // "All these boxes are yours?"
      { shop: 'cn', sourceRef: '1114011', scene: 0, label: 'same', cta: '剧中同款拉杆箱' }, // 104升 纯PC拉链斜纹拉杆箱
      // "Lipstick counts as luggage."
      { shop: 'uk', sourceRef: '23078', scene: 1, label: 'similar', cta: '同色系唇彩笔' }, // ICE CREAM PEN LIP GLOSS
      // "We only have one wardrobe."
      { shop: 'cn', sourceRef: '1097013', scene: 2, label: 'similar', cta: '衣柜不够？看看五斗柜' }, // 原素系列实木五斗柜
    ],
    2: [
      // "I'll cook. Don't touch anything."
      { shop: 'cn', sourceRef: '1051000', scene: 0, label: 'same', cta: '剧中同款炒锅' }, // Carat钻石炒锅30cm
      // "The delivery is here."
      { shop: 'uk', sourceRef: '20725', scene: 3, label: 'similar', cta: '午餐包 · 相似款' }, // LUNCH BAG RED RETROSPOT
    ],
    // "You've been in there forty minutes!"
    3: [{ shop: 'cn', sourceRef: '1021001', scene: 0, label: 'same', cta: '剧中同款浴巾' }], // 全棉进口埃及长绒棉浴巾
    // "Hello auntie, I love cooking."
    4: [{ shop: 'uk', sourceRef: '22423', scene: 3, label: 'similar', cta: '招待家长的点心架' }], // REGENCY CAKESTAND 3 TIER
    // "If you would marry... marry me."
    6: [{ shop: 'cn', sourceRef: '1116031', scene: 2, label: 'same', cta: '求婚同款永生花' }], // 怦然心动 永生花
  },
  // 班里的坏女孩 The Bad Girl in Class
  '9920': {
    1: [
      // "She transferred from out of town."
      { shop: 'cn', sourceRef: '1113019', scene: 0, label: 'similar', cta: '转学路上的登机箱' }, // 20寸 PC膜拉链登机箱
      // "Can I sit here?"
      { shop: 'cn', sourceRef: '1046002', scene: 3, label: 'same', cta: '同桌同款中性笔' }, // 直杆三角中性笔
    ],
    // "Her textbooks were thrown in the bin."
    2: [{ shop: 'cn', sourceRef: '1127047', scene: 3, label: 'similar', cta: '新的笔记本 · 看看' }], // 趣味粉彩系列笔记本
    // "Full marks."
    4: [{ shop: 'cn', sourceRef: '1039056', scene: 3, label: 'similar', cta: '满分同款钢笔' }], // 金属亚光钢笔
  },
};

export interface PlannedCard {
  productId: string;
  scene: number;
  label: Label;
  cta: string;
}

interface ChainPayload {
  episodeId: string;
  producerId: string;
  cards: PlannedCard[];
  attempt: number;
}

function callerFor(userId: string, role: 'merchant' | 'creator'): Caller {
  return { userId, role, deviceId: 'dev_seed', viewerKey: userId, via: 'token', csrfToken: null };
}

function refKey(shop: ShopKey, sourceRef: string): string {
  return `${shop}:${sourceRef}`;
}

/**
 * The shops offer the products the demo places (once per product: an offer the merchant withdrew
 * is not made again), and the producer's studio accepts the active ones. Returns the product id of
 * each demo card's `shop:sourceRef`.
 */
export async function ensureDemoOffers(platform: Platform, producerId: string, shops: DemoShops): Promise<Map<string, string>> {
  const { commerce, placements } = platform.modules;
  const producer = callerFor(producerId, 'creator');
  const wanted = new Map<ShopKey, Set<string>>();
  for (const episodes of Object.values(DEMO_CARDS)) {
    for (const cards of Object.values(episodes)) {
      for (const card of cards) wanted.set(card.shop, (wanted.get(card.shop) ?? new Set()).add(card.sourceRef));
    }
  }
  const productIds = new Map<string, string>();
  const toAccept: string[] = [];
  for (const [shop, refs] of wanted) {
    const { shopId } = shops[shop];
    const merchant = callerFor(shops[shop].merchantId, 'merchant');
    const products: MerchantProductView[] = [];
    let cursor: string | null = null;
    do {
      const page = await commerce.service.listProducts(merchant, cursor, { shopId, limit: 100 });
      products.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const offered = await placements.service.offers.list(merchant);
    for (const ref of refs) {
      const product = products.find((p) => p.sourceRef === ref && p.status === 'active');
      if (!product) {
        platform.log.warn({ shop, sourceRef: ref }, 'demo product to place is missing; its cards are skipped');
        continue;
      }
      productIds.set(refKey(shop, ref), product.id);
      const existing = offered.filter((o) => o.productId === product.id);
      if (existing.length === 0) {
        const offer = await placements.service.offers.create(merchant, { productId: product.id, commissionBps: COMMISSION_BPS[shop], audience: 'all' });
        toAccept.push(offer.id);
      } else {
        toAccept.push(...existing.filter((o) => o.status === 'active').map((o) => o.id));
      }
    }
  }
  // Accepting again is a no-op (unique offer × studio).
  for (const offerId of toAccept) await placements.service.offers.accept(producer, offerId);
  return productIds;
}

/** The cards planned for episode `number` of the series made from KuaiRec video `videoId`. */
export function demoCardsFor(videoId: string, number: number, productIds: Map<string, string>): PlannedCard[] {
  const cards = DEMO_CARDS[videoId]?.[number] ?? [];
  return cards.flatMap((card) => {
    const productId = productIds.get(refKey(card.shop, card.sourceRef));
    return productId ? [{ productId, scene: card.scene, label: card.label, cta: card.cta }] : [];
  });
}

/**
 * Where scene `scene` (0-based) lies in an episode rendered by renderDemoEpisode with four equal
 * scenes after its title card, scaled to the transcoded duration. The card starts a beat into
 * the scene and lasts to its end.
 */
export function sceneWindow(durationMs: number, scene: number, scenes = 4): { startMs: number; endMs: number } {
  const frames = sceneFrames(durationMs, Array.from({ length: scenes }, () => 1));
  const total = frames.reduce((sum, n) => sum + n, 0);
  const index = Math.min(Math.max(0, scene), scenes - 1) + 1;
  const before = frames.slice(0, index).reduce((sum, n) => sum + n, 0);
  const from = Math.round((before / total) * durationMs);
  const to = Math.min(durationMs, Math.round(((before + (frames[index] ?? 0)) / total) * durationMs));
  return { startMs: Math.min(to - 1, from + Math.min(300, Math.floor((to - from) / 10))), endMs: to };
}

/**
 * Places the cards an episode does not carry yet (one per product), at their scenes. A card the
 * rules refuse (the product was archived, the offer withdrawn) is skipped, not fatal.
 */
export async function placeDemoCards(platform: Platform, producerId: string, episodeId: string, durationMs: number, cards: PlannedCard[]): Promise<number> {
  const service = platform.modules.placements.service;
  const producer = callerFor(producerId, 'creator');
  const present = new Set((await service.listForEpisode(producer, episodeId)).map((p) => p.productId));
  let created = 0;
  for (const card of cards) {
    if (present.has(card.productId)) continue;
    try {
      await service.create(producer, episodeId, { productId: card.productId, ...sceneWindow(durationMs, card.scene), label: card.label, cta: card.cta });
      present.add(card.productId);
      created++;
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'VALIDATION_FAILED') throw error;
      platform.log.warn({ episodeId, productId: card.productId, err: error }, 'demo card not placed');
    }
  }
  return created;
}

function chainKey(episodeId: string, attempt: number): string {
  return attempt === 0 ? `${DEMO_PLACEMENT_QUEUE}:${episodeId}` : `${DEMO_PLACEMENT_QUEUE}:${episodeId}:${attempt}`;
}

/** Starts an episode's chain; a second call for the same episode (a re-seed) is the same job. */
export async function scheduleDemoCards(platform: Platform, producerId: string, episodeId: string, cards: PlannedCard[]): Promise<void> {
  if (cards.length === 0) return;
  const payload: ChainPayload = { episodeId, producerId, cards, attempt: 0 };
  await platform.drivers.queue.enqueue(DEMO_PLACEMENT_QUEUE, { ...payload }, { dedupeKey: chainKey(episodeId, 0) });
}

function isCard(value: unknown): value is PlannedCard {
  if (typeof value !== 'object' || value === null) return false;
  const card = value as Record<string, unknown>;
  return typeof card.productId === 'string' && typeof card.scene === 'number' && (card.label === 'same' || card.label === 'similar') && typeof card.cta === 'string';
}

function chainPayload(payload: Record<string, unknown>): ChainPayload | null {
  const { episodeId, producerId, cards, attempt } = payload;
  if (typeof episodeId !== 'string' || typeof producerId !== 'string' || typeof attempt !== 'number' || !Array.isArray(cards) || !cards.every(isCard)) return null;
  return { episodeId, producerId, cards, attempt };
}

/** Worker side: once the episode's video is ready, place; while it is on its way, look again shortly. */
export function registerDemoPlacementJobs(platform: Platform): void {
  const { queue } = platform.drivers;
  queue.work(DEMO_PLACEMENT_QUEUE, async (raw) => {
    const job = chainPayload(raw);
    if (!job) {
      platform.log.error({ payload: raw }, 'malformed demo placement job');
      return;
    }
    let episode;
    try {
      episode = await platform.modules.catalog.service.getEpisode(callerFor(job.producerId, 'creator'), job.episodeId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return;
      throw error;
    }
    switch (episode.mediaStatus) {
      case 'ready':
        if (episode.durationMs !== null) {
          const created = await placeDemoCards(platform, job.producerId, job.episodeId, episode.durationMs, job.cards);
          platform.log.info({ episodeId: job.episodeId, created }, 'demo cards placed');
          return;
        }
        break;
      case 'failed':
        platform.log.warn({ episodeId: job.episodeId }, 'demo episode failed to transcode; no cards placed');
        return;
      case 'none':
      case 'processing':
        break;
      default: {
        const unreachable: never = episode.mediaStatus;
        throw new Error(`unknown media status ${String(unreachable)}`);
      }
    }
    const next: ChainPayload = { ...job, attempt: job.attempt + 1 };
    await queue.enqueue(DEMO_PLACEMENT_QUEUE, { ...next }, { delayMs: POLL_MS, dedupeKey: chainKey(job.episodeId, next.attempt) });
  });
}
