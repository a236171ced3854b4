import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_FOLDER } from './migrations-folder.ts';

/**
 * A fresh PGlite spends most of its start in initdb (7 s and more of CPU here). We do that once,
 * migrate, and keep a dump keyed by the migrations; every new database (first start, each test
 * file) then loads the dump in a fraction of the time.
 */
const CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.cache/dualstream');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of filesUnder(MIGRATIONS_FOLDER).sort()) {
    hash.update(file.slice(MIGRATIONS_FOLDER.length));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

export function templatePath(): string {
  return join(CACHE_DIR, `pglite-template-${migrationsFingerprint()}.tar.gz`);
}

async function buildTemplate(path: string): Promise<Buffer> {
  const client = new PGlite();
  await client.waitReady;
  await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
  const dump = Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer());
  await client.close();
  mkdirSync(dirname(path), { recursive: true });
  // Several processes (test files) may build at once: each renames a whole file into place.
  const partial = `${path}.${process.pid}.${Date.now()}.part`;
  writeFileSync(partial, dump);
  renameSync(partial, path);
  return dump;
}

/** The migrated template as a Blob for PGlite's `loadDataDir`, built on first use. */
export async function migratedTemplate(): Promise<Blob> {
  const path = templatePath();
  const bytes = existsSync(path) ? readFileSync(path) : await buildTemplate(path);
  return new Blob([bytes]);
}

/** True when `dataDir` already holds a PGlite database. */
export function hasDatabase(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}
