import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Storage } from '../../drivers/storage/port.ts';
import type { HttpApp } from '../../http/types.ts';
import type { StudioMembership } from './access.ts';
import { registerCatalogRoutes } from './routes.ts';
import { createCatalogService } from './service.ts';

export function createCatalogModule(deps: { db: Db; identity: StudioMembership; storage: Storage; clock: Clock }) {
  const service = createCatalogService(deps);
  return { service, registerRoutes: (app: HttpApp) => registerCatalogRoutes(app, service, deps.storage) };
}
