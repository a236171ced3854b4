import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import { createEntitlementsService } from './service.ts';

export function createEntitlementsModule(deps: { db: Db; clock: Clock }) {
  return { service: createEntitlementsService(deps) };
}
