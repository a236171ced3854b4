import type { HttpApp } from '../../http/types.ts';
import { registerEventRoutes } from './routes.ts';
import { createEventsService, type EventsDeps } from './service.ts';

export type { EventsService, Touch, TouchQuery, AttributionWindows } from './service.ts';

/** Server-side card impressions and clicks, and last-touch attribution over them. */
export function createEventsModule(deps: EventsDeps) {
  const service = createEventsService(deps);
  return { service, registerRoutes: (app: HttpApp) => registerEventRoutes(app, service) };
}

export type EventsModule = ReturnType<typeof createEventsModule>;
