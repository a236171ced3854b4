import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../../src/http/context.ts';
import { createFreshPostgresDatabase } from '../../test/support/db.ts';
import { freePort, spawnMain, spawnTsx, waitForOk, type AppProcess } from '../../test/process/support/processes.ts';
import { formatRow, runLoad, summarise, type RoundResult, type Summary } from './load.ts';

/** A positive whole number from the environment, so a typo fails the run instead of skewing it. */
export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** A token caller, for seeding through the services without HTTP. */
export function benchCaller(userId: string, role: Caller['role']): Caller {
  return { userId, role, deviceId: 'dev_bench', viewerKey: userId, via: 'token', csrfToken: null };
}

/** Mean time of one call, sequential, in ms (after one unmeasured call). */
export async function meanMs(times: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const from = performance.now();
  for (let i = 0; i < times; i++) await run();
  return (performance.now() - from) / times;
}

export function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

export interface BenchDatabase {
  dataDir: string;
  /** The fresh PostgreSQL database, or null on PGlite (in dataDir). */
  fresh: { url: string; drop: () => Promise<void> } | null;
  /** DATABASE_URL for the app's env when on PostgreSQL; empty on PGlite. */
  databaseEnv: Record<string, string>;
  /** Drops the fresh database and removes the temp dir. */
  dispose(): Promise<void>;
}

/**
 * A temp DATA_DIR and, given an admin URL, a fresh PostgreSQL database beside it; prints which
 * database the run uses (`note` is appended to the PostgreSQL line).
 */
export async function openBenchDatabase(name: string, adminUrl: string | null, note = ''): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), `ds-bench-${name}-`));
  const fresh = adminUrl ? await createFreshPostgresDatabase(adminUrl) : null;
  console.log(
    fresh
      ? `database: PostgreSQL — fresh database ${new URL(fresh.url).pathname.slice(1)} on ${new URL(fresh.url).host}${note}`
      : `database: PGlite (embedded, on disk in ${dataDir}/pglite)`,
  );
  return {
    dataDir,
    fresh,
    databaseEnv: fresh ? { DATABASE_URL: fresh.url } : {},
    dispose: async () => {
      await fresh?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** For the PostgreSQL-only benches: the same, with the fresh database always there. */
export async function openPostgresBench(name: string, adminUrl: string): Promise<BenchDatabase & { fresh: NonNullable<BenchDatabase['fresh']> }> {
  const database = await openBenchDatabase(name, adminUrl);
  if (!database.fresh) throw new Error('no PostgreSQL database was created');
  return { ...database, fresh: database.fresh };
}

export interface AbServers {
  app: AppProcess;
  bare: AppProcess;
  appUrl: string;
  bareUrl: string;
}

/** The real app (`serve`) and the bare Fastify baseline answering `bodyFile`, started together: tsx start-up is most of the wait. */
export async function startAppAndBare(appName: string, env: Record<string, string>, bodyFile: string): Promise<AbServers> {
  const startFrom = performance.now();
  const [appPort, barePort] = [await freePort(), await freePort()];
  const app = spawnMain(appName, 'serve', { ...env, PORT: String(appPort), HOST: '127.0.0.1' });
  const bare = spawnTsx('bare fastify', ['bench/support/bare-server.ts'], { BODY_FILE: bodyFile, PORT: String(barePort) });
  const appUrl = `http://127.0.0.1:${appPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}/bare`;
  await Promise.all([waitForOk(`${appUrl}/readyz`, app, 90_000), waitForOk(bareUrl, bare, 90_000)]);
  console.log(`servers up in ${seconds(startFrom)} s`);
  return { app, bare, appUrl, bareUrl };
}

export interface AbLoad {
  connections: number;
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
}

export function describeAbLoad(load: AbLoad): string {
  return `load: autocannon, ${load.connections} connections, ${load.rounds} rounds × ${load.roundSeconds} s per target, A/B alternating, ${load.warmupSeconds} s warm-up each`;
}

export interface AbTarget {
  /** Short name in the round rows and the ratio line, e.g. "feed". */
  name: string;
  /** Label of the summary row, e.g. "GET /api/v1/feed". */
  summaryLabel: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * Warms both targets, then loads them in turn, A/B/A/B, so a noisy neighbour on the machine hits
 * both alike; prints every round and the summary. `clean` is false on any non-2xx or error.
 */
export async function runAbRounds(servers: AbServers, target: AbTarget, load: AbLoad): Promise<{ app: Summary; bare: Summary; clean: boolean }> {
  const { connections } = load;
  const { headers } = target;
  await runLoad({ url: target.url, connections, seconds: load.warmupSeconds, headers });
  await runLoad({ url: servers.bareUrl, connections, seconds: load.warmupSeconds });

  const appRounds: RoundResult[] = [];
  const bareRounds: RoundResult[] = [];
  for (let round = 1; round <= load.rounds; round++) {
    const a = await runLoad({ url: target.url, connections, seconds: load.roundSeconds, headers, serverGroupId: servers.app.pid });
    appRounds.push(a);
    console.log(formatRow(`round ${round} ${target.name}`, a));
    const b = await runLoad({ url: servers.bareUrl, connections, seconds: load.roundSeconds, serverGroupId: servers.bare.pid });
    bareRounds.push(b);
    console.log(formatRow(`round ${round} bare`, b));
  }

  const app = summarise(appRounds);
  const bare = summarise(bareRounds);
  console.log('');
  console.log('summary (req/s and p50: mean of rounds; p99: worst round)');
  console.log(formatRow(target.summaryLabel, app));
  console.log(formatRow('bare fastify', bare));
  console.log(`ratio ${target.name}/bare req/s: ${(app.requestsPerSecond / bare.requestsPerSecond).toFixed(3)}`);
  console.log(`non-2xx: ${target.name} ${app.non2xx}, bare ${bare.non2xx} (must be 0)`);
  return { app, bare, clean: app.non2xx === 0 && bare.non2xx === 0 && app.errors === 0 && bare.errors === 0 };
}

/** Prints the SQL one request sends, each statement cut at 160 characters. */
export function printStatements(what: string, statements: string[]): void {
  console.log(`SQL statements per ${what} request: ${statements.length}`);
  for (const statement of statements) console.log(`  - ${statement.slice(0, 160)}${statement.length > 160 ? '…' : ''}`);
}

/** Runs a bench's main, printing a failure and setting the exit code instead of an unhandled rejection. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
