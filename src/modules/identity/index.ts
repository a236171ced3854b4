import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { HttpApp } from '../../http/types.ts';
import { createCallerResolver } from './caller.ts';
import { registerIdentityRoutes, type IdentityRouteDeps } from './routes.ts';
import type { Cache } from '../../drivers/cache/port.ts';
import { createIdentityService } from './service.ts';

export function createIdentityModule(deps: { db: Db; config: Config; clock: Clock; cache: Cache }) {
  const service = createIdentityService(deps);
  return {
    service,
    resolveCaller: createCallerResolver(service, deps.config),
    registerRoutes: (app: HttpApp, onSignedIn: IdentityRouteDeps['onSignedIn']) =>
      registerIdentityRoutes(app, { identity: service, config: deps.config, cache: deps.cache, onSignedIn }),
  };
}
