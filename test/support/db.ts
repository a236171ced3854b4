import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/drivers/db/index.ts';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new
 * PostgreSQL database (created and dropped here) when TEST_DATABASE_URL or DATABASE_URL is set.
 */
export interface TestDatabase extends Database {
  /** The connection URL of the fresh PostgreSQL database, or null on PGlite. */
  url: string | null;
  drop(): Promise<void>;
}

export function testPostgresUrl(): string | null {
  return process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? null;
}

export async function createFreshPostgresDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ds_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const adminUrl = testPostgresUrl();
  if (!adminUrl) {
    const database = await openDatabase({ databaseUrl: null, pgliteDir: null });
    await database.migrate();
    return { ...database, url: null, drop: () => database.close() };
  }
  const fresh = await createFreshPostgresDatabase(adminUrl);
  const database = await openDatabase({ databaseUrl: fresh.url, pgliteDir: null });
  await database.migrate();
  return {
    ...database,
    url: fresh.url,
    drop: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}
