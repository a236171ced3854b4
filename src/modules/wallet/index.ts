import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { HttpApp } from '../../http/types.ts';
import type { LedgerService } from '../ledger/service.ts';
import { createBonusExpiryJob } from './expiry-job.ts';
import { registerWalletRoutes } from './routes.ts';
import { createWalletService } from './service.ts';

export function createWalletModule(deps: { db: Db; ledger: LedgerService; clock: Clock; config: Pick<Config, 'wallet'> }) {
  const service = createWalletService({
    db: deps.db,
    ledger: deps.ledger,
    clock: deps.clock,
    defaults: { dailyCoins: deps.config.wallet.defaultDailyCapCoins, monthlyCoins: deps.config.wallet.defaultMonthlyCapCoins },
  });
  const bonusExpiry = createBonusExpiryJob({ wallet: service, clock: deps.clock, intervalMs: deps.config.wallet.bonusExpiryIntervalMs });
  return {
    service,
    registerRoutes: (app: HttpApp) => registerWalletRoutes(app, service),
    /** For `dualstream worker` (and `all`): the bonus-expiry sweep; resolves once its first run is enqueued. */
    registerJobs: (queue: Queue): Promise<void> => bonusExpiry.register(queue),
  };
}
