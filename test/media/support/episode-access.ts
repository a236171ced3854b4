import { AppError } from '../../../src/core/errors.ts';
import { newId } from '../../../src/core/ids.ts';
import type { DbOrTx } from '../../../src/drivers/db/types.ts';
import type { Caller } from '../../../src/http/context.ts';
import type { EpisodeAccess, MediaStatusUpdate, PlaybackPlacement } from '../../../src/modules/media/index.ts';

export interface TestEpisode {
  id: string;
  ownerId: string;
  published: boolean;
  priceCoins: number;
  fit: 'pad' | 'crop';
}

/**
 * A small real EpisodeAccess over in-test episodes, with the catalog's rules: drafts exist only
 * for their owner, priced episodes need an entitlement, admins manage everything.
 */
export class TestEpisodeAccess implements EpisodeAccess {
  readonly episodes = new Map<string, TestEpisode>();
  readonly entitlements = new Set<string>();
  readonly resumeAt = new Map<string, number>();
  readonly updates: MediaStatusUpdate[] = [];

  addEpisode(ownerId: string, options: Partial<Omit<TestEpisode, 'id' | 'ownerId'>> = {}): TestEpisode {
    const episode: TestEpisode = { id: newId('episode'), ownerId, published: false, priceCoins: 0, fit: 'pad', ...options };
    this.episodes.set(episode.id, episode);
    return episode;
  }

  private isManager(caller: Caller, episode: TestEpisode): boolean {
    return caller.role === 'admin' || (caller.userId !== null && caller.userId === episode.ownerId);
  }

  private visible(caller: Caller, episodeId: string): TestEpisode {
    const episode = this.episodes.get(episodeId);
    if (!episode || (!episode.published && !this.isManager(caller, episode))) throw new AppError('NOT_FOUND', 'episode was not found');
    return episode;
  }

  async authorizeUpload(caller: Caller, episodeId: string): Promise<{ fit: 'pad' | 'crop' }> {
    const episode = this.visible(caller, episodeId);
    if (!this.isManager(caller, episode)) throw new AppError('FORBIDDEN', 'not your episode');
    return { fit: episode.fit };
  }

  async authorizePlayback(caller: Caller, episodeId: string): Promise<{ resumeAtMs: number }> {
    const episode = this.visible(caller, episodeId);
    if (episode.priceCoins > 0 && !this.isManager(caller, episode) && !this.entitlements.has(`${caller.viewerKey}:${episodeId}`)) {
      throw new AppError('ENTITLEMENT_REQUIRED', 'unlock this episode first', { priceCoins: episode.priceCoins });
    }
    return { resumeAtMs: this.resumeAt.get(`${caller.viewerKey}:${episodeId}`) ?? 0 };
  }

  /** Media tests place no products: every episode plays with no cards. */
  async placementsFor(_episodeId: string): Promise<PlaybackPlacement[]> {
    return [];
  }

  async authorizeKey(caller: Caller, episodeId: string): Promise<void> {
    await this.authorizePlayback(caller, episodeId);
  }

  async authorizeManage(caller: Caller, episodeId: string): Promise<void> {
    const episode = this.visible(caller, episodeId);
    if (!this.isManager(caller, episode)) throw new AppError('FORBIDDEN', 'not your episode');
  }

  async authorizePoster(caller: Caller, episodeId: string): Promise<{ public: boolean }> {
    const episode = this.visible(caller, episodeId);
    return { public: episode.published };
  }

  async onMediaStatus(update: MediaStatusUpdate, _tx: DbOrTx): Promise<void> {
    this.updates.push(update);
  }
}
