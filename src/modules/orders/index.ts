import type { Queue } from '../../drivers/queue/port.ts';
import type { Idempotency } from '../../http/idempotency.ts';
import type { HttpApp } from '../../http/types.ts';
import { createOrderExpiryJob } from './expiry-job.ts';
import { registerMerchantOrderRoutes } from './merchant-routes.ts';
import { registerOrdersRoutes } from './routes.ts';
import { createOrdersService, type OrdersDeps } from './service.ts';

export interface OrdersModuleDeps extends OrdersDeps {
  /** How often a worker cancels unpaid orders past their reservation. */
  expiryIntervalMs: number;
}

export function createOrdersModule(deps: OrdersModuleDeps) {
  const service = createOrdersService(deps);
  const expiry = createOrderExpiryJob({ orders: service.orders, stock: deps.stock, clock: deps.clock, intervalMs: deps.expiryIntervalMs });
  return {
    service,
    registerRoutes: (app: HttpApp, idempotency: Idempotency) => {
      registerOrdersRoutes(app, service);
      registerMerchantOrderRoutes(app, service, idempotency);
    },
    /** For the worker: merchant webhook deliveries, refunds, and the expiry sweep (resolves once its first run is enqueued). */
    async registerJobs(queue: Queue): Promise<void> {
      service.webhooks.registerJobs(queue);
      service.refunds.registerJobs(queue);
      await expiry.register(queue);
    },
  };
}

export type OrdersModule = ReturnType<typeof createOrdersModule>;
