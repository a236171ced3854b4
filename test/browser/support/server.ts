import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../src/config.ts';
import { buildHttpApp, closePlatform, createPlatform, registerWorkers } from '../../../src/app.ts';
import { createFreshPostgresDatabase, testPostgresUrl } from '../../support/db.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

export interface BrowserServer {
  baseUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Keep data here between runs (the benchmark reuses its seeded content); a fresh temp dir otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
}

/** The browser needs the built app; rebuilding only when web/ changed keeps reruns quick. */
export function ensureWebBuilt(): void {
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const result = spawnSync(process.execPath, [join(repoRoot, 'scripts/build-web.mjs'), '--if-stale'], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) throw new Error('building web/ failed');
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * The whole platform in this process (HTTP, web app, transcoding worker) on a free port, on PGlite,
 * or on a fresh PostgreSQL database when TEST_DATABASE_URL/DATABASE_URL is set. With
 * BROWSER_BASE_URL set, tests run against that server instead and start nothing.
 */
export async function startBrowserServer(options: ServerOptions = {}): Promise<BrowserServer> {
  const external = process.env.BROWSER_BASE_URL;
  if (external) return { baseUrl: external.replace(/\/$/, ''), dataDir: '', close: async () => {} };

  ensureWebBuilt();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ds-browser-')));
  const port = await freePort();
  // On PostgreSQL every run gets its own database (dropped afterwards), like the API tests.
  const adminUrl = options.dataDir ? null : testPostgresUrl();
  const fresh = adminUrl ? await createFreshPostgresDatabase(adminUrl) : null;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    WEB_DIR: join(repoRoot, 'dist/web'),
    SEED_DEMO: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    SCRYPT_COST: '16384',
    WORKER_POLL_MS: '100',
    ...(fresh ? { DATABASE_URL: fresh.url } : {}),
    ...options.env,
  });
  const platform = await createPlatform(config);
  const app = await buildHttpApp(platform);
  registerWorkers(platform);
  platform.drivers.queue.start();
  await app.listen({ port, host: '127.0.0.1' });
  return {
    baseUrl,
    dataDir,
    close: async () => {
      await app.close();
      await closePlatform(platform);
      await fresh?.drop();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
