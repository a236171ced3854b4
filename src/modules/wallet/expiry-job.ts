import type { Clock } from '../../core/clock.ts';
import { createPeriodicJob } from '../../drivers/queue/periodic.ts';
import type { WalletService } from './service.ts';

export const BONUS_EXPIRY_QUEUE = 'wallet-bonus-expiry';

/** Bonus expiry, once per `intervalMs` however many workers run (see createPeriodicJob). */
export function createBonusExpiryJob(deps: { wallet: WalletService; clock: Clock; intervalMs: number }) {
  return createPeriodicJob({
    queueName: BONUS_EXPIRY_QUEUE,
    intervalMs: deps.intervalMs,
    clock: deps.clock,
    async sweep(ctx) {
      // expireBonus takes a bounded batch per call; keep going until nothing due is left.
      while (!ctx.signal.aborted) {
        const swept = await deps.wallet.expireBonus(deps.clock.now());
        if (swept.lots === 0) break;
      }
    },
  });
}
