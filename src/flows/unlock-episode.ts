import { Type } from '@sinclair/typebox';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { CatalogService } from '../modules/catalog/service.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import type { WalletService } from '../modules/wallet/service.ts';
import { mayWatch, type VipMembership } from './episode-access.ts';

export interface UnlockResult {
  unlocked: true;
  alreadyOwned: boolean;
  coinsSpent: number;
  balanceAfter: number | null;
}

export interface UnlockDeps {
  db: Db;
  catalog: CatalogService;
  wallet: WalletService;
  entitlements: EntitlementsService;
  vip: VipMembership;
}

/**
 * Coins → episode: the spend and the entitlement are written in one transaction, so a crash leaves
 * neither. Ownership is checked again after taking the user's wallet lock, which every coin unlock
 * (episode, rest of series, bundle) takes first: concurrent unlocks of one episode charge once.
 */
export function createUnlockEpisode(deps: UnlockDeps) {
  const { db, catalog, wallet, entitlements } = deps;

  return async function unlockEpisode(caller: Caller, episodeId: string): Promise<UnlockResult> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to unlock episodes');
    const facts = await catalog.episodeAccessFacts(caller, episodeId);
    if (!facts || !facts.isPublic) throw new AppError('NOT_FOUND', 'Episode not found');
    if (facts.episode.free) throw new AppError('INVALID_STATE', 'This episode is free');
    const { seriesId, studioId } = facts;
    const priceCoins = facts.episode.priceCoins;
    const owned: UnlockResult = { unlocked: true, alreadyOwned: true, coinsSpent: 0, balanceAfter: null };
    // Studio members play everything (charging them would move coins in a circle); VIP members play VIP series.
    if (await mayWatch(deps, caller, facts, episodeId)) return owned;
    return db.transaction(async (tx) => {
      await wallet.holdWalletLock(tx, userId);
      if (await entitlements.hasAccess(userId, episodeId, seriesId, tx)) return owned;
      const spent = await wallet.spend(
        {
          userId,
          coins: priceCoins,
          reference: `unlock:${episodeId}`,
          studioId,
          reason: `Episode ${facts.episode.number}`,
          metadata: { episodeId, seriesId },
        },
        tx,
      );
      const { granted } = await entitlements.grantEpisode(tx, { userId, episodeId, seriesId, source: 'coins', reference: `unlock:${userId}:${episodeId}` });
      const alreadyOwned = spent.replayed || !granted;
      return { unlocked: true, alreadyOwned, coinsSpent: alreadyOwned ? 0 : priceCoins, balanceAfter: spent.balanceAfter };
    });
  };
}

const UnlockSchema = Type.Object({
  unlocked: Type.Literal(true),
  alreadyOwned: Type.Boolean(),
  coinsSpent: Type.Integer({ minimum: 0 }),
  balanceAfter: Type.Union([Type.Integer(), Type.Null()]),
});

export function registerUnlockRoutes(app: HttpApp, deps: UnlockDeps & { idempotency: Idempotency }): void {
  const unlockEpisode = createUnlockEpisode(deps);
  app.post(
    '/api/v1/episodes/:id/unlock',
    {
      config: { access: 'signed-in' },
      preHandler: deps.idempotency.preHandler,
      onSend: deps.idempotency.onSend,
      schema: {
        tags: ['paywall'],
        summary: 'Unlock a priced episode with coins (needs an Idempotency-Key; charges once per episode)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: UnlockSchema },
      },
    },
    async (request) => unlockEpisode(request.caller, request.params.id),
  );
}
