import { AppError } from '../core/errors.ts';
import type { DbOrTx } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import type { CatalogService } from '../modules/catalog/service.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import type { FeedService } from '../modules/feed/service.ts';
import type { EpisodeAccess } from '../modules/media/service.ts';

/** Whether a user's VIP membership is active now; implemented by the vip module. */
export interface VipMembership {
  /** `executor`: the caller's open transaction, if any (PGlite has one connection; PostgreSQL must read inside it). */
  isActive(userId: string, executor?: DbOrTx): Promise<boolean>;
}

export type EpisodeFacts = NonNullable<Awaited<ReturnType<CatalogService['episodeAccessFacts']>>>;

/** What a locked episode's answer carries so the player can offer every way in (see flows/paywall-offer.ts). */
export type UnlockOptionsOf = (caller: Caller, facts: EpisodeFacts) => Promise<object>;

export interface WatchRuleDeps {
  catalog: CatalogService;
  entitlements: Pick<EntitlementsService, 'hasAccess'>;
  vip: VipMembership;
}

/**
 * The one rule for who may watch an episode, decided on the server at the moment of each request:
 * free, or managed by the caller's studio (or an admin), or unlocked (episode, bundle, ad), or in VIP
 * while the caller's membership is active. Nothing the client sends enters into it.
 */
export async function mayWatch(deps: WatchRuleDeps, caller: Caller, facts: EpisodeFacts, episodeId: string): Promise<boolean> {
  if (facts.episode.free || facts.canManage) return true;
  const userId = caller.userId;
  if (!userId) return false;
  if (await deps.entitlements.hasAccess(userId, episodeId, facts.seriesId)) return true;
  return facts.series.inVip && (await deps.vip.isActive(userId));
}

/**
 * What media may do with an episode, decided by the catalog (ownership, publication, price)
 * the feed (where the viewer left off) and the entitlements and VIP (what a user may watch).
 */
export function createEpisodeAccess(
  deps: WatchRuleDeps & { feed: Pick<FeedService, 'resumePosition'>; unlockOptions: UnlockOptionsOf; placementsFor: EpisodeAccess['placementsFor'] },
): EpisodeAccess {
  const { catalog, feed } = deps;

  async function factsOrNotFound(caller: Caller, episodeId: string): Promise<EpisodeFacts> {
    const facts = await catalog.episodeAccessFacts(caller, episodeId);
    if (!facts || (!facts.isPublic && !facts.canManage)) throw new AppError('NOT_FOUND', 'Episode not found');
    return facts;
  }

  /**
   * Playback's refusal carries the unlock sheet's offer; a refused key request (the player retries
   * those, and never shows the body) answers the bare refusal without building it.
   */
  async function requireWatchable(caller: Caller, episodeId: string, withOffer: boolean): Promise<void> {
    const facts = await factsOrNotFound(caller, episodeId);
    if (await mayWatch(deps, caller, facts, episodeId)) return;
    throw new AppError('ENTITLEMENT_REQUIRED', `Episode ${facts.episode.number} costs ${facts.episode.priceCoins} coins`, {
      episodeId,
      priceCoins: facts.episode.priceCoins,
      ...(withOffer ? { unlock: await deps.unlockOptions(caller, facts) } : {}),
    });
  }

  return {
    async authorizeUpload(caller, episodeId) {
      const episode = await catalog.requireEpisodeManager(caller, episodeId);
      return { fit: episode.fit };
    },
    async authorizePlayback(caller, episodeId) {
      await requireWatchable(caller, episodeId, true);
      return { resumeAtMs: await feed.resumePosition(caller.viewerKey, episodeId) };
    },
    placementsFor: (episodeId) => deps.placementsFor(episodeId),
    authorizeKey: (caller, episodeId) => requireWatchable(caller, episodeId, false),
    async authorizeManage(caller, episodeId) {
      await catalog.requireEpisodeManager(caller, episodeId);
    },
    async authorizePoster(caller, episodeId) {
      const facts = await factsOrNotFound(caller, episodeId);
      return { public: facts.isPublic };
    },
    async onMediaStatus(update, tx) {
      await catalog.setEpisodeMedia(
        update.episodeId,
        { status: update.episode.mediaStatus, assetId: update.episode.mediaAssetId, durationMs: update.episode.durationMs },
        tx,
      );
    },
  };
}
