import type { Db } from '../../drivers/db/types.ts';
import { createLedgerService } from './service.ts';

/** The ledger has no HTTP surface of its own: wallet, commerce and settlement post through its service. */
export function createLedgerModule(deps: { db: Db }) {
  const service = createLedgerService(deps);
  return { service };
}
