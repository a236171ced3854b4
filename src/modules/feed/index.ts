import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { HttpApp } from '../../http/types.ts';
import type { CatalogService } from '../catalog/service.ts';
import { registerFeedRoutes } from './routes.ts';
import { createFeedService } from './service.ts';

export function createFeedModule(deps: { db: Db; catalog: CatalogService; clock: Clock }) {
  const service = createFeedService(deps);
  return { service, registerRoutes: (app: HttpApp) => registerFeedRoutes(app, service) };
}
