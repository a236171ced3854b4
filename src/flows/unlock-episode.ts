import { Type } from '@sinclair/typebox';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { CatalogService } from '../modules/catalog/service.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import type { WalletService } from '../modules/wallet/service.ts';

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
}

/**
 * Coins → episode: the spend and the entitlement are written in one transaction, so a crash leaves
 * neither. The spend reference `unlock:<episodeId>` is unique per user and the wallet locks the user's
 * rows, so concurrent unlocks of one episode charge once: the later ones find the spend and replay it.
 */
export function createUnlockEpisode(deps: UnlockDeps) {
  const { db, catalog, wallet, entitlements } = deps;

  return async function unlockEpisode(caller: Caller, episodeId: string): Promise<UnlockResult> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to unlock episodes');
    const facts = await catalog.episodeAccessFacts(caller, episodeId);
    if (!facts || !facts.isPublic) throw new AppError('NOT_FOUND', 'Episode not found');
    if (facts.episode.free || facts.episode.priceCoins <= 0) throw new AppError('INVALID_STATE', 'This episode is free');
    const { seriesId, studioId } = facts;
    const priceCoins = facts.episode.priceCoins;
    // The studio's own members already play everything: charging them would only move coins in a circle.
    if (facts.canManage || (await entitlements.hasAccess(userId, episodeId, seriesId))) return { unlocked: true, alreadyOwned: true, coinsSpent: 0, balanceAfter: null };
    return db.transaction(async (tx) => {
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
      // Another request for this episode may have won the wallet lock first: its grant is committed by now.
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
