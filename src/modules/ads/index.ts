import type { Clock } from '../../core/clock.ts';
import type { SandboxAdNetwork } from '../../drivers/ads/sandbox.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { HttpApp } from '../../http/types.ts';
import { registerAdsRoutes } from './routes.ts';
import { registerAdsSandboxRoutes } from './sandbox-routes.ts';
import { createAdsService } from './service.ts';

export interface AdsModuleDeps {
  db: Db;
  clock: Clock;
  dailyCap: number;
  /** When given, the sandbox network's creative and completion endpoints are served here. */
  sandbox?: SandboxAdNetwork | null;
}

/** Rewarded-ad unlocks; starting one and granting it are cross-module (see flows/ad-unlock.ts). */
export function createAdsModule(deps: AdsModuleDeps) {
  const service = createAdsService(deps);
  return {
    service,
    registerRoutes: (app: HttpApp) => {
      registerAdsRoutes(app, service);
      if (deps.sandbox) registerAdsSandboxRoutes(app, deps.sandbox);
    },
    /** The sandbox's reward callbacks run as queue jobs in the worker. */
    registerJobs: (queue: Queue) => deps.sandbox?.registerJobs(queue),
  };
}
