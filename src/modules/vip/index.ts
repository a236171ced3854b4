import { createPeriodicJob } from '../../drivers/queue/periodic.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { HttpApp } from '../../http/types.ts';
import { registerVipRoutes } from './routes.ts';
import { createVipService, type VipDeps } from './service.ts';

export const VIP_RENEWAL_QUEUE = 'vip-renewals';
const DEFAULT_RENEWAL_INTERVAL_MS = 10 * 60_000;

export interface VipModuleDeps extends VipDeps {
  /** How often the renewal job looks for memberships due; keep it well under the renewal lead time. */
  renewalIntervalMs?: number;
}

export function createVipModule(deps: VipModuleDeps) {
  const service = createVipService(deps);
  const intervalMs = deps.renewalIntervalMs ?? DEFAULT_RENEWAL_INTERVAL_MS;
  // Renewals are charged once per interval however many workers run (see createPeriodicJob).
  const renewals = createPeriodicJob({
    queueName: VIP_RENEWAL_QUEUE,
    intervalMs,
    clock: deps.clock,
    maxAttempts: 5,
    sweep: async () => {
      await service.renewDue(deps.clock.now());
    },
  });

  return {
    service,
    registerRoutes: (app: HttpApp) => registerVipRoutes(app, service),
    /** For the worker: charges due renewals every interval; resolves once the first run is enqueued. */
    registerJobs: (queue: Queue): Promise<void> => renewals.register(queue),
  };
}

export type VipModule = ReturnType<typeof createVipModule>;
