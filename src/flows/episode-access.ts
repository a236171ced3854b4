import { AppError } from '../core/errors.ts';
import type { Caller } from '../http/context.ts';
import type { CatalogService } from '../modules/catalog/service.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import type { FeedService } from '../modules/feed/service.ts';
import type { EpisodeAccess } from '../modules/media/service.ts';

/**
 * What media may do with an episode, decided by the catalog (ownership, publication, price)
 * the feed (where the viewer left off) and the entitlements (which priced episodes a user unlocked).
 */
export function createEpisodeAccess(deps: {
  catalog: CatalogService;
  feed: Pick<FeedService, 'resumePosition'>;
  entitlements: Pick<EntitlementsService, 'hasAccess'>;
}): EpisodeAccess {
  const { catalog, feed, entitlements } = deps;

  async function factsOrNotFound(caller: Caller, episodeId: string) {
    const facts = await catalog.episodeAccessFacts(caller, episodeId);
    if (!facts || (!facts.isPublic && !facts.canManage)) throw new AppError('NOT_FOUND', 'Episode not found');
    return facts;
  }

  return {
    async authorizeUpload(caller, episodeId) {
      const episode = await catalog.requireEpisodeManager(caller, episodeId);
      return { fit: episode.fit };
    },
    async authorizePlayback(caller, episodeId) {
      const facts = await factsOrNotFound(caller, episodeId);
      const entitled = async () => caller.userId !== null && (await entitlements.hasAccess(caller.userId, episodeId, facts.seriesId));
      if (!facts.episode.free && !facts.canManage && !(await entitled())) {
        throw new AppError('ENTITLEMENT_REQUIRED', `Episode ${facts.episode.number} costs ${facts.episode.priceCoins} coins`, {
          episodeId,
          priceCoins: facts.episode.priceCoins,
        });
      }
      return { resumeAtMs: await feed.resumePosition(caller.viewerKey, episodeId) };
    },
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
