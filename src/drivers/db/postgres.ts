import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Database, Db } from './types.ts';
import { MIGRATIONS_FOLDER } from './migrations-folder.ts';

// Several `serve` processes may start together; one migrates while the others wait.
const MIGRATION_LOCK_KEY = 7_200_417_311;

export async function openPostgres(url: string, poolSize = 10, onIdleError?: (error: Error) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection dropped by the server (restart, failover, admin) must not crash the
  // process: the pool replaces it, and queries on it fail and are reported where they run.
  pool.on('error', (error) => onIdleError?.(error));
  const db = drizzle({ client: pool }) as unknown as Db;
  return {
    kind: 'postgres',
    db,
    migrate: async () => {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        client.release();
      }
    },
    exec: async (text: string) => {
      await pool.query(text);
    },
    close: async () => {
      await pool.end();
    },
  };
}
