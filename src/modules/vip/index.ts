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
  const slotOf = (ms: number) => Math.floor(ms / intervalMs);

  /**
   * One job per time slot: the dedupe key makes every worker that starts, and every run that
   * reschedules, name the same job, so the chain neither forks nor stops.
   */
  async function schedule(queue: Queue, slot: number): Promise<void> {
    const delayMs = Math.min(intervalMs, Math.max(0, slot * intervalMs - deps.clock.now().getTime()));
    await queue.enqueue(VIP_RENEWAL_QUEUE, { slot }, { delayMs, dedupeKey: `${VIP_RENEWAL_QUEUE}:${slot}`, maxAttempts: 5 });
  }

  return {
    service,
    registerRoutes: (app: HttpApp) => registerVipRoutes(app, service),
    /** For the worker: charges due renewals every interval, starting now. */
    registerJobs(queue: Queue): void {
      queue.work(VIP_RENEWAL_QUEUE, async (payload) => {
        const slot = typeof payload.slot === 'number' ? payload.slot : slotOf(deps.clock.now().getTime());
        try {
          await service.renewDue(deps.clock.now());
        } finally {
          await schedule(queue, Math.max(slot + 1, slotOf(deps.clock.now().getTime()) + 1));
        }
      });
      schedule(queue, slotOf(deps.clock.now().getTime())).catch((error: unknown) => {
        deps.log.error({ err: error }, 'could not schedule the VIP renewal job');
      });
    },
  };
}

export type VipModule = ReturnType<typeof createVipModule>;
