import type { HttpApp } from '../../http/types.ts';
import { registerPlacementRoutes } from './routes.ts';
import { createPlacementsService, type PlacementsDeps } from './service.ts';

export type { PlacementsService, PlacementCard, PlacementTarget, PlacementView } from './service.ts';

/** Offers (merchant → studios), their acceptance, and products placed on episodes' timelines. */
export function createPlacementsModule(deps: PlacementsDeps) {
  const service = createPlacementsService(deps);
  return { service, registerRoutes: (app: HttpApp) => registerPlacementRoutes(app, service) };
}

export type PlacementsModule = ReturnType<typeof createPlacementsModule>;
