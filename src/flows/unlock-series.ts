import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { EntitlementsService } from '../modules/entitlements/service.ts';
import type { WalletService } from '../modules/wallet/service.ts';
import type { PaywallOffer } from './paywall-offer.ts';

export type SeriesOffer = 'bundle' | 'rest';

export interface SeriesUnlockInput {
  offer: SeriesOffer;
  /** The coins the viewer was shown; anything else is refused, so nobody pays a price they did not see. */
  expectedCoins: number;
  /** For 'rest': the episode the viewer is at (default: the first); earlier episodes are left as they are. */
  fromEpisodeNumber?: number;
}

export interface SeriesUnlockResult {
  unlocked: true;
  offer: SeriesOffer;
  coinsSpent: number;
  balanceAfter: number;
  /** The episodes this purchase unlocked (for a bundle: every published episode not free). */
  episodeIds: string[];
}

export interface SeriesUnlockDeps {
  db: Db;
  offer: PaywallOffer;
  wallet: WalletService;
  entitlements: EntitlementsService;
}

function priceChanged(expected: number, actual: number): AppError {
  return new AppError('PRICE_CHANGED', `You were shown ${expected} coins; it now costs ${actual} coins.`, { expectedCoins: expected, priceCoins: actual });
}

/**
 * Coins → many episodes. The quote is computed after taking the wallet lock, inside the transaction
 * that charges and grants, so an episode bought a moment ago by another request is not charged again.
 */
export function createUnlockSeries(deps: SeriesUnlockDeps) {
  const { db, offer, wallet, entitlements } = deps;

  return async function unlockSeries(caller: Caller, seriesId: string, input: SeriesUnlockInput): Promise<SeriesUnlockResult> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to unlock episodes');
    const facts = await offer.requireSeriesFacts(caller, seriesId);
    if (facts.canManage) throw new AppError('INVALID_STATE', 'Your studio already plays every episode of this series');
    return db.transaction(async (tx) => {
      await wallet.holdWalletLock(tx, userId);
      const { states, ownsSeries } = await offer.episodeStates(caller, facts, tx);
      if (ownsSeries) throw new AppError('INVALID_STATE', 'You already own the whole series');
      const priced = states.filter((s) => s.state !== 'free');
      let coins: number;
      let reference: string;
      let unlocked: string[];
      switch (input.offer) {
        case 'bundle': {
          if (facts.series.bundlePriceCoins === null) throw new AppError('INVALID_STATE', 'This series has no bundle on sale');
          coins = facts.series.bundlePriceCoins;
          reference = `bundle:${seriesId}`;
          unlocked = priced.filter((s) => s.state !== 'owned').map((s) => s.id);
          break;
        }
        case 'rest': {
          // The same rule as the price the viewer was shown (series grid and unlock sheet).
          const rest = offer.lockedFrom(states, input.fromEpisodeNumber ?? 1);
          if (rest.episodes.length === 0) throw new AppError('INVALID_STATE', 'Nothing is left to unlock in this series');
          coins = rest.coins;
          unlocked = rest.episodes.map((s) => s.id);
          reference = `rest:${seriesId}:${createHash('sha256').update(unlocked.join(',')).digest('hex').slice(0, 32)}`;
          break;
        }
        default: {
          const unreachable: never = input.offer;
          throw new AppError('VALIDATION_FAILED', `Unknown offer ${String(unreachable)}`);
        }
      }
      if (coins !== input.expectedCoins) throw priceChanged(input.expectedCoins, coins);
      const spent = await wallet.spend(
        { userId, coins, reference, studioId: facts.studioId, reason: input.offer === 'bundle' ? `Series bundle: ${facts.title}` : `Rest of ${facts.title}`, metadata: { seriesId, episodeIds: unlocked } },
        tx,
      );
      if (input.offer === 'bundle') {
        await entitlements.grantSeries(tx, { userId, seriesId, source: 'bundle', reference: `bundle:${userId}:${seriesId}` });
      } else {
        for (const episodeId of unlocked) {
          await entitlements.grantEpisode(tx, { userId, episodeId, seriesId, source: 'coins', reference: `unlock:${userId}:${episodeId}` });
        }
      }
      return { unlocked: true, offer: input.offer, coinsSpent: spent.replayed ? 0 : coins, balanceAfter: spent.balanceAfter, episodeIds: unlocked };
    });
  };
}

const SeriesUnlockBody = Type.Object(
  {
    offer: Type.Union([Type.Literal('bundle'), Type.Literal('rest')], { description: 'bundle: the whole series at its bundle price; rest: every locked episode from fromEpisodeNumber on' }),
    expectedCoins: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'The price the viewer was shown' }),
    fromEpisodeNumber: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

const SeriesUnlockSchema = Type.Object({
  unlocked: Type.Literal(true),
  offer: Type.Union([Type.Literal('bundle'), Type.Literal('rest')]),
  coinsSpent: Type.Integer({ minimum: 0 }),
  balanceAfter: Type.Integer(),
  episodeIds: Type.Array(Type.String()),
});

export function registerSeriesUnlockRoutes(app: HttpApp, deps: SeriesUnlockDeps & { idempotency: Idempotency }): void {
  const unlockSeries = createUnlockSeries(deps);
  app.post(
    '/api/v1/series/:id/unlock',
    {
      config: { access: 'signed-in' },
      preHandler: deps.idempotency.preHandler,
      onSend: deps.idempotency.onSend,
      schema: {
        tags: ['paywall'],
        summary: 'Unlock the rest of a series or buy its bundle with coins, at the price shown (needs an Idempotency-Key)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: SeriesUnlockBody,
        response: { 200: SeriesUnlockSchema },
      },
    },
    async (request) => unlockSeries(request.caller, request.params.id, request.body),
  );
}
