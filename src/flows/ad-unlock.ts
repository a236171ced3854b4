import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import type { AdNetwork } from '../drivers/ads/port.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import { toAdUnlockView, type AdRefusalReason, type AdsService, type AdUnlockView } from '../modules/ads/service.ts';
import type { CatalogService } from '../modules/catalog/service.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import { mayWatch, type EpisodeFacts, type VipMembership } from './episode-access.ts';

export interface AdUnlockDeps {
  db: Db;
  catalog: CatalogService;
  entitlements: EntitlementsService;
  vip: VipMembership;
  ads: AdsService;
  network: AdNetwork;
  log?: Logger;
}

export interface StartedAdUnlock {
  adUnlockId: string;
  creativeUrl: string;
  durationMs: number;
  completeUrl: string;
}

/** The catalog answers per caller; a callback acts for the rewarded user, who holds no session here. */
function callerFor(userId: string): Caller {
  return { userId, role: null, deviceId: userId, viewerKey: userId, via: 'token', csrfToken: null };
}

/**
 * Rewarded ads: a viewer starts an ad for a locked episode, and only the network's signed callback
 * grants it. Nothing the client says (that it finished, that it was rewarded) enters into it.
 */
export function createAdUnlock(deps: AdUnlockDeps) {
  const { db, catalog, entitlements, ads, network } = deps;

  /** Why this viewer may not unlock this episode with an ad right now, if anything. */
  async function refusalFor(caller: Caller, facts: EpisodeFacts | null, episodeId: string): Promise<AdRefusalReason | null> {
    if (!facts || !facts.isPublic) return 'episode_unavailable';
    if (facts.episode.free || (await mayWatch(deps, caller, facts, episodeId))) return 'already_watchable';
    if (!facts.series.adUnlock) return 'not_allowed';
    return null;
  }

  async function start(caller: Caller, episodeId: string): Promise<StartedAdUnlock> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to unlock episodes');
    const facts = await catalog.episodeAccessFacts(caller, episodeId);
    const refusal = await refusalFor(caller, facts, episodeId);
    switch (refusal) {
      case null:
        break;
      case 'episode_unavailable':
        throw new AppError('NOT_FOUND', 'Episode not found');
      case 'already_watchable':
        throw new AppError('INVALID_STATE', 'You can already watch this episode');
      case 'not_allowed':
        throw new AppError('AD_UNLOCK_NOT_ALLOWED', 'The producer does not offer this episode for an ad');
      case 'daily_cap':
        throw new AppError('AD_DAILY_CAP_REACHED', 'No ad unlocks left today');
      default: {
        const unreachable: never = refusal;
        throw new Error(`unknown refusal ${String(unreachable)}`);
      }
    }
    if (!facts) throw new AppError('NOT_FOUND', 'Episode not found');
    if ((await ads.remainingToday(userId)) <= 0) {
      throw new AppError('AD_DAILY_CAP_REACHED', `You may unlock ${ads.dailyCap} episodes with ads a day`, { dailyCap: ads.dailyCap });
    }
    const row = await ads.create({ userId, episodeId, seriesId: facts.seriesId, network: network.name });
    const view = await network.startView({ adUnlockId: row.id, userId });
    await ads.attachView(row.id, view.viewId);
    return { adUnlockId: row.id, creativeUrl: view.creativeUrl, durationMs: view.durationMs, completeUrl: view.completeUrl };
  }

  /**
   * The network's server-side verification callback. A genuine callback is answered 200 whatever
   * it decides (so the network stops retrying); a replay of one returns what the first decided.
   */
  async function onRewardCallback(rawQuery: string): Promise<AdUnlockView> {
    const reward = network.verifyCallback(rawQuery);
    const known = await ads.find(reward.customData);
    if (!known) throw new AppError('NOT_FOUND', 'No such ad unlock');
    if (known.userId !== reward.userId) throw new AppError('BAD_REQUEST', 'The callback names another user');
    if (known.status !== 'watching') return toAdUnlockView(known);
    // Read outside the transaction: on PGlite one connection serves both, and it would wait on itself.
    const caller = callerFor(known.userId);
    const refusal = await refusalFor(caller, await catalog.episodeAccessFacts(caller, known.episodeId), known.episodeId);

    return db.transaction(async (tx) => {
      const row = await ads.lockForCallback(tx, known.id);
      if (!row) throw new AppError('NOT_FOUND', 'No such ad unlock');
      // A concurrent delivery of this callback settled it while we waited for the lock.
      if (row.status !== 'watching') return toAdUnlockView(row);
      if (await ads.transactionSeen(tx, reward.transactionId)) throw new AppError('CONFLICT', 'This reward was already used');
      const transactionId = reward.transactionId;
      if (refusal) return toAdUnlockView(await ads.resolve(tx, row.id, { status: 'refused', reason: refusal, transactionId }));
      if (!(await ads.takeDailySlot(tx, row.userId))) {
        return toAdUnlockView(await ads.resolve(tx, row.id, { status: 'refused', reason: 'daily_cap', transactionId }));
      }
      const { granted } = await entitlements.grantEpisode(tx, {
        userId: row.userId,
        episodeId: row.episodeId,
        seriesId: row.seriesId,
        source: 'ad',
        reference: `ad:${row.id}`,
      });
      if (!granted) {
        // Unlocked another way in the meantime: the slot goes back.
        await ads.releaseDailySlot(tx, row.userId);
        return toAdUnlockView(await ads.resolve(tx, row.id, { status: 'refused', reason: 'already_watchable', transactionId }));
      }
      return toAdUnlockView(await ads.resolve(tx, row.id, { status: 'granted', transactionId }));
    });
  }

  return { start, onRewardCallback };
}

export type AdUnlockFlow = ReturnType<typeof createAdUnlock>;

const StartedSchema = Type.Object({
  adUnlockId: Type.String(),
  creativeUrl: Type.String(),
  durationMs: Type.Integer({ minimum: 0 }),
  completeUrl: Type.String(),
});

export function registerAdUnlockRoutes(app: HttpApp, flow: AdUnlockFlow, idempotency: Idempotency): void {
  app.post(
    '/api/v1/episodes/:id/ad-unlocks',
    {
      config: { access: 'signed-in' },
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      schema: {
        tags: ['paywall'],
        summary: 'Start a rewarded ad for a locked episode (needs an Idempotency-Key); only the network callback unlocks it',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 201: StartedSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await flow.start(request.caller, request.params.id)),
  );

  // The ad network's server-to-server callback: no session, so no CSRF; the signature is the authentication.
  app.get(
    '/api/v1/ads/sandbox/verify',
    {
      config: { access: 'public' },
      schema: {
        tags: ['ads'],
        summary: "The sandbox network's signed reward callback (AdMob SSV: ECDSA over the query before &signature=, then key_id)",
        response: {
          200: Type.Object({
            id: Type.String(),
            episodeId: Type.String(),
            status: Type.String(),
            reason: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const url = request.raw.url ?? '';
      const at = url.indexOf('?');
      return flow.onRewardCallback(at >= 0 ? url.slice(at + 1) : '');
    },
  );
}
