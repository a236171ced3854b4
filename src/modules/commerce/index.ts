import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Idempotency } from '../../http/idempotency.ts';
import type { HttpApp } from '../../http/types.ts';
import type { ShopMembership } from './access.ts';
import { registerCommerceRoutes } from './routes.ts';
import { createCommerceService } from './service.ts';

export function createCommerceModule(deps: { db: Db; identity: ShopMembership; clock: Clock }) {
  const service = createCommerceService(deps);
  return { service, registerRoutes: (app: HttpApp, idempotency: Idempotency) => registerCommerceRoutes(app, service, idempotency) };
}
