import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Idempotency } from '../../http/idempotency.ts';
import type { HttpApp } from '../../http/types.ts';
import { registerCommerceRoutes } from './routes.ts';
import { createCommerceService, type CommerceIdentity } from './service.ts';

export function createCommerceModule(deps: { db: Db; identity: CommerceIdentity; clock: Clock }) {
  const service = createCommerceService(deps);
  return { service, registerRoutes: (app: HttpApp, idempotency: Idempotency) => registerCommerceRoutes(app, service, idempotency) };
}
