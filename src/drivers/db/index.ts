import { join } from 'node:path';
import type { Database } from './types.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type { Database, Db, Tx, DbOrTx, DatabaseKind } from './types.ts';

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** PostgreSQL connections in the pool (default 10). */
  poolSize?: number;
  /** PGlite's folder; null = in memory. Ignored when databaseUrl is set. */
  pgliteDir: string | null;
  /** Told about connections the server dropped while idle (PostgreSQL). */
  onIdleError?: (error: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10, options.onIdleError);
  return openPglite(options.pgliteDir);
}

export function pgliteDirFor(dataDir: string): string {
  return join(dataDir, 'pglite');
}
