import { Type } from '@sinclair/typebox';
import { AppError } from '../core/errors.ts';
import type { DbOrTx } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import type { HttpApp } from '../http/types.ts';
import type { CatalogService, EpisodeView } from '../modules/catalog/service.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import type { WalletService } from '../modules/wallet/service.ts';
import type { EpisodeFacts } from './episode-access.ts';

export interface VipPlanOffer {
  id: string;
  days: number;
  priceMinor: number;
  currency: string;
}

/** What the paywall needs of VIP: implemented by the vip module. */
export interface VipOffer {
  isActive(userId: string, executor?: DbOrTx): Promise<boolean>;
  readonly plans: readonly VipPlanOffer[];
}

/** What the paywall needs of rewarded ads: implemented by the ads module. */
export interface AdOffer {
  readonly dailyCap: number;
  remainingToday(userId: string): Promise<number>;
}

export type EpisodeState = 'free' | 'owned' | 'vip' | 'locked';

export interface EpisodeAccessState {
  id: string;
  number: number;
  title: string;
  state: EpisodeState;
  priceCoins: number;
}

export interface BalanceView {
  total: number;
  paid: number;
  bonus: number;
}

export interface SeriesAccess {
  seriesId: string;
  episodes: EpisodeAccessState[];
  /** Coins for every episode still locked, in the order shown. */
  costToFinishCoins: number;
  lockedCount: number;
  bundle: { priceCoins: number } | null;
  ownsSeries: boolean;
  balance: BalanceView | null;
  vip: { inVip: boolean; active: boolean; plans: VipPlanOffer[] };
  ad: { allowed: boolean; remainingToday: number | null; dailyCap: number };
}

export interface UnlockOptions {
  episodeId: string;
  seriesId: string;
  episodeNumber: number;
  priceCoins: number;
  /** Every episode from this one to the last published one that the viewer would still have to pay for. */
  costToFinishCoins: number;
  lockedToFinish: number;
  bundle: { priceCoins: number } | null;
  balance: BalanceView | null;
  ad: SeriesAccess['ad'];
  vip: SeriesAccess['vip'];
  packs: WalletService['packs'];
}

export type SeriesFacts = NonNullable<Awaited<ReturnType<CatalogService['seriesAccessFacts']>>>;

export interface PaywallOfferDeps {
  catalog: CatalogService;
  entitlements: Pick<EntitlementsService, 'ownedInSeries'>;
  wallet: Pick<WalletService, 'balances' | 'packs'>;
  vip: VipOffer;
  ads: AdOffer;
}

/**
 * What a viewer can watch in a series and what the rest would cost them, computed on the server from
 * what they own now. The same numbers feed the series grid, the unlock sheet and the charge itself,
 * so the price paid is the price shown.
 */
export function createPaywallOffer(deps: PaywallOfferDeps) {
  const { catalog, entitlements, wallet, vip, ads } = deps;

  async function episodeStates(caller: Caller, facts: SeriesFacts, executor?: DbOrTx) {
    const userId = caller.userId;
    const owned = userId ? await entitlements.ownedInSeries(userId, facts.seriesId, executor) : { wholeSeries: false, episodeIds: new Set<string>() };
    const vipActive = userId !== null && facts.series.inVip && (await vip.isActive(userId, executor));
    const stateOf = (episode: EpisodeView): EpisodeState => {
      if (episode.free) return 'free';
      if (facts.canManage || owned.wholeSeries || owned.episodeIds.has(episode.id)) return 'owned';
      return vipActive ? 'vip' : 'locked';
    };
    const states: EpisodeAccessState[] = facts.episodes.map((e) => ({ id: e.id, number: e.number, title: e.title, state: stateOf(e), priceCoins: e.priceCoins }));
    return { states, ownsSeries: owned.wholeSeries || facts.canManage, vipActive };
  }

  /** The locked episodes numbered `fromNumber` or later, and what they cost together. */
  function lockedFrom(states: EpisodeAccessState[], fromNumber: number): { episodes: EpisodeAccessState[]; coins: number } {
    const episodes = states.filter((s) => s.state === 'locked' && s.number >= fromNumber);
    return { episodes, coins: episodes.reduce((sum, s) => sum + s.priceCoins, 0) };
  }

  async function balanceOf(caller: Caller): Promise<BalanceView | null> {
    if (!caller.userId) return null;
    const b = await wallet.balances(caller.userId);
    return { total: b.total, paid: b.paid, bonus: b.bonus };
  }

  async function adOf(caller: Caller, allowed: boolean): Promise<SeriesAccess['ad']> {
    return { allowed, remainingToday: caller.userId && allowed ? await ads.remainingToday(caller.userId) : null, dailyCap: ads.dailyCap };
  }

  async function requireSeriesFacts(caller: Caller, seriesId: string): Promise<SeriesFacts> {
    const facts = await catalog.seriesAccessFacts(caller, seriesId);
    if (!facts) throw new AppError('NOT_FOUND', 'Series not found');
    return facts;
  }

  async function seriesAccess(caller: Caller, seriesId: string): Promise<SeriesAccess> {
    const facts = await requireSeriesFacts(caller, seriesId);
    const { states, ownsSeries, vipActive } = await episodeStates(caller, facts);
    const rest = lockedFrom(states, 1);
    return {
      seriesId,
      episodes: states,
      costToFinishCoins: rest.coins,
      lockedCount: rest.episodes.length,
      bundle: facts.series.bundlePriceCoins !== null && !ownsSeries ? { priceCoins: facts.series.bundlePriceCoins } : null,
      ownsSeries,
      balance: await balanceOf(caller),
      vip: { inVip: facts.series.inVip, active: vipActive, plans: [...vip.plans] },
      ad: await adOf(caller, facts.series.adUnlock),
    };
  }

  async function unlockOptions(caller: Caller, episode: EpisodeFacts): Promise<UnlockOptions> {
    const facts = await catalog.seriesAccessFacts(caller, episode.seriesId);
    const { states, ownsSeries, vipActive } = facts ? await episodeStates(caller, facts) : { states: [], ownsSeries: false, vipActive: false };
    const rest = lockedFrom(states, episode.episode.number);
    return {
      episodeId: episode.episode.id,
      seriesId: episode.seriesId,
      episodeNumber: episode.episode.number,
      priceCoins: episode.episode.priceCoins,
      costToFinishCoins: rest.coins,
      lockedToFinish: rest.episodes.length,
      bundle: episode.series.bundlePriceCoins !== null && !ownsSeries ? { priceCoins: episode.series.bundlePriceCoins } : null,
      balance: await balanceOf(caller),
      ad: await adOf(caller, episode.series.adUnlock),
      vip: { inVip: episode.series.inVip, active: vipActive, plans: [...vip.plans] },
      packs: wallet.packs,
    };
  }

  return { seriesAccess, unlockOptions, requireSeriesFacts, episodeStates, lockedFrom };
}

export type PaywallOffer = ReturnType<typeof createPaywallOffer>;

const Balance = Type.Union([Type.Object({ total: Type.Integer(), paid: Type.Integer(), bonus: Type.Integer() }), Type.Null()]);
const VipPart = Type.Object({
  inVip: Type.Boolean(),
  active: Type.Boolean(),
  plans: Type.Array(Type.Object({ id: Type.String(), days: Type.Integer(), priceMinor: Type.Integer(), currency: Type.String() })),
});
const AdPart = Type.Object({ allowed: Type.Boolean(), remainingToday: Type.Union([Type.Integer(), Type.Null()]), dailyCap: Type.Integer() });
const Bundle = Type.Union([Type.Object({ priceCoins: Type.Integer() }), Type.Null()]);

const SeriesAccessSchema = Type.Object({
  seriesId: Type.String(),
  episodes: Type.Array(
    Type.Object({
      id: Type.String(),
      number: Type.Integer(),
      title: Type.String(),
      state: Type.Union([Type.Literal('free'), Type.Literal('owned'), Type.Literal('vip'), Type.Literal('locked')]),
      priceCoins: Type.Integer(),
    }),
  ),
  costToFinishCoins: Type.Integer(),
  lockedCount: Type.Integer(),
  bundle: Bundle,
  ownsSeries: Type.Boolean(),
  balance: Balance,
  vip: VipPart,
  ad: AdPart,
});

export function registerPaywallOfferRoutes(app: HttpApp, offer: PaywallOffer): void {
  app.get(
    '/api/v1/series/:id/access',
    {
      config: { access: 'public' },
      schema: {
        tags: ['paywall'],
        summary: "What the caller can watch in a series (free, owned, VIP or locked, with prices) and what the rest would cost them",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: SeriesAccessSchema },
      },
    },
    async (request, reply) => {
      // Personal (balance, ownership): never cached by anything shared.
      reply.header('cache-control', 'private, no-store');
      return offer.seriesAccess(request.caller, request.params.id);
    },
  );
}
