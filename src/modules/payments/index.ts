import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { PaymentProvider } from '../../drivers/payments/port.ts';
import type { SandboxProvider } from '../../drivers/payments/sandbox.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import type { HttpApp } from '../../http/types.ts';
import { registerPaymentsRoutes } from './routes.ts';
import { registerSandboxRoutes } from './sandbox-routes.ts';
import { createPaymentsService } from './service.ts';

export interface PaymentsModuleDeps {
  db: Db;
  clock: Clock;
  /** Every provider we accept webhooks from, by name (`sandbox`, later `stripe`). */
  providers: Record<string, PaymentProvider>;
  /** Where new payments go. */
  defaultProvider: string;
  /** When given, its hosted payment page is served under /api/v1/payments/sandbox/pay. */
  sandbox?: SandboxProvider | null;
}

export function createPaymentsModule(deps: PaymentsModuleDeps) {
  const service = createPaymentsService(deps);
  return {
    service,
    registerRoutes: (app: HttpApp) => {
      registerPaymentsRoutes(app, service);
      if (deps.sandbox) registerSandboxRoutes(app, deps.sandbox);
    },
    /** The sandbox's webhook deliveries run as queue jobs in the worker. */
    registerJobs: (queue: Queue) => deps.sandbox?.registerJobs(queue),
  };
}
