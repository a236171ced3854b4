import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database, Db } from './types.ts';
import { MIGRATIONS_FOLDER } from './migrations-folder.ts';
import { hasDatabase, migratedTemplate } from './pglite-template.ts';

/** Embedded Postgres in WASM. `dataDir` null keeps it in memory (tests). */
export async function openPglite(dataDir: string | null): Promise<Database> {
  const fresh = dataDir === null || !hasDatabase(dataDir);
  const loadDataDir = fresh ? await migratedTemplate() : undefined;
  const client = dataDir ? new PGlite(dataDir, { loadDataDir }) : new PGlite({ loadDataDir });
  await client.waitReady;
  const db = drizzle({ client }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    migrate: async () => {
      await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
    },
    exec: async (text: string) => {
      await client.exec(text);
    },
    close: async () => {
      await client.close();
    },
  };
}
