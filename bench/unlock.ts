/**
 * Coin unlocks per second on PostgreSQL, over HTTP through the real platform, against the bare SQL
 * transaction of the same unlock from the same number of connections, in the same run.
 *
 * Two workloads, each run against both targets with their own fresh viewers:
 *  - distinct: many viewers, each request a new (viewer, episode) pair, interleaved across viewers;
 *  - hot: one viewer unlocking many episodes, so every request waits on that viewer's wallet lock.
 * The catalogue (one studio, one published series, priced episodes) and the viewers with paid
 * coins are made in this process through the services; the episode rows past the first are
 * copied in one INSERT. The app runs as `src/main.ts serve`; requests carry the session cookie,
 * the CSRF header and a unique Idempotency-Key each. Afterwards the ledger is audited.
 *
 *   npm run bench:unlock       (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test)
 *   CONNECTIONS=10 ROUNDS=2 VIEWERS=100 DISTINCT=1000 HOT=400 PRICE=10
 */
import { join } from 'node:path';
import autocannon from 'autocannon';
import { and, count, eq, inArray, lt } from 'drizzle-orm';
import { loadConfig } from '../src/config.ts';
import { closePlatform, createPlatform, type Platform } from '../src/app.ts';
import { csrfTokenFor } from '../src/http/access.ts';
import { newId } from '../src/core/ids.ts';
import { episodes } from '../src/modules/catalog/schema.ts';
import { entitlements } from '../src/modules/entitlements/schema.ts';
import { SESSION_COOKIE } from '../src/modules/identity/caller.ts';
import { ledgerAccounts } from '../src/modules/ledger/schema.ts';
import { freePort, killAll, spawnMain, waitForOk } from '../test/process/support/processes.ts';
import { benchCaller, intEnv, openPostgresBench, runBench } from './support/harness.ts';
import { BASELINE_STATEMENTS, percentile, runBaseline, type UnlockJob } from './support/unlock-baseline.ts';

const CONNECTIONS = intEnv('CONNECTIONS', 10);
const ROUNDS = intEnv('ROUNDS', 2);
const VIEWERS = intEnv('VIEWERS', 100);
const DISTINCT = intEnv('DISTINCT', 1000);
const HOT = intEnv('HOT', 400);
const PRICE = intEnv('PRICE', 10);
const WARMUP = 100;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Viewer {
  userId: string;
  cookie: string;
  csrf: string;
  funded: number;
}

interface Figures {
  unlocksPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  failed: number;
}

type Workload = 'distinct' | 'hot';
type Target = 'http' | 'bare';

async function makeViewers(platform: Platform, howMany: number, coinsEach: number, tag: string): Promise<Viewer[]> {
  const { identity, wallet } = platform.modules;
  const viewers: Viewer[] = [];
  // A few at a time: sign-up hashes a password, the rest is two short transactions.
  for (let from = 0; from < howMany; from += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, howMany - from) }, async (_, i) => {
        const signed = await identity.service.signUp({ email: `bench-${tag}-${from + i}-${newId('device')}@example.com`, password: 'bench password 123', displayName: `Viewer ${tag} ${from + i}`, role: 'viewer' });
        await wallet.service.creditPaidCoins(undefined, { userId: signed.user.id, coins: coinsEach, reference: `bench-seed-${tag}` });
        return { userId: signed.user.id, cookie: `${SESSION_COOKIE}=${signed.sessionToken}`, csrf: csrfTokenFor(signed.sessionToken, platform.config.secrets.sessionSecret), funded: coinsEach };
      }),
    );
    viewers.push(...batch);
  }
  return viewers;
}

/** `total` unlocks as (viewer, episode) pairs: across viewers first, so concurrent requests are different viewers'. */
function pairs(viewers: Viewer[], episodeIds: string[], seriesId: string, total: number): (UnlockJob & { viewer: Viewer })[] {
  return Array.from({ length: total }, (_, r) => {
    const viewer = viewers[r % viewers.length];
    const episodeId = episodeIds[Math.floor(r / viewers.length)];
    if (!viewer || !episodeId) throw new Error('not enough viewers or episodes for the workload');
    return { viewer, userId: viewer.userId, episodeId, seriesId };
  });
}

async function runHttp(baseUrl: string, jobs: (UnlockJob & { viewer: Viewer })[], amount: number, tag: string): Promise<Figures & { statuses: Map<number, number> }> {
  let next = 0;
  const statuses = new Map<number, number>();
  const from = performance.now();
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    amount,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          // Every request autocannon builds is a new pair: the list carries spares for requests it builds but never sends.
          const job = jobs[next++];
          if (!job) throw new Error('the workload ran out of pairs');
          return {
            ...request,
            method: 'POST',
            path: `/api/v1/episodes/${job.episodeId}/unlock`,
            headers: { cookie: job.viewer.cookie, 'x-csrf-token': job.viewer.csrf, 'idempotency-key': `bench-${tag}-${next}` },
          };
        },
        onResponse: (status) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        },
      },
    ],
  });
  const seconds = (performance.now() - from) / 1000;
  const ok = statuses.get(200) ?? 0;
  return { unlocksPerSecond: ok / seconds, p50Ms: result.latency.p50, p99Ms: result.latency.p99, completed: ok, failed: result.requests.total - ok + result.errors, statuses };
}

async function runBare(url: string, jobs: UnlockJob[], context: { studioId: string; revenueAccountId: string }): Promise<Figures> {
  const run = await runBaseline(url, jobs, { connections: CONNECTIONS, price: PRICE, ...context });
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  return { unlocksPerSecond: run.completed / run.seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), completed: run.completed, failed: run.failed };
}

function row(label: string, f: Figures): string {
  return `${label.padEnd(24)} ${f.unlocksPerSecond.toFixed(0).padStart(6)} unlocks/s   p50 ${f.p50Ms.toFixed(1).padStart(6)} ms   p99 ${f.p99Ms.toFixed(1).padStart(7)} ms   ok ${String(f.completed).padStart(5)}   failed ${f.failed}`;
}

function mean(figures: Figures[]): Figures {
  const avg = (pick: (f: Figures) => number) => figures.reduce((a, f) => a + pick(f), 0) / Math.max(1, figures.length);
  return {
    unlocksPerSecond: avg((f) => f.unlocksPerSecond),
    p50Ms: avg((f) => f.p50Ms),
    p99Ms: Math.max(0, ...figures.map((f) => f.p99Ms)),
    completed: figures.reduce((a, f) => a + f.completed, 0),
    failed: figures.reduce((a, f) => a + f.failed, 0),
  };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const database = await openPostgresBench('unlock', ADMIN_URL);
  const { dataDir, fresh } = database;
  console.log(`load: ${CONNECTIONS} connections (autocannon for HTTP; ${CONNECTIONS} pg connections for the bare SQL; the app's pool is 10), ${ROUNDS} rounds, targets alternating`);
  console.log(`workloads per round and target: distinct = ${DISTINCT} unlocks over ${VIEWERS} fresh viewers; hot = ${HOT} unlocks by one fresh viewer; ${PRICE} coins each`);
  let platform: Platform | null = null;
  let failures = 0;
  try {
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'false', SCRYPT_COST: '1024', LOG_LEVEL: 'warn', WEB_DIR: join(dataDir, 'no-web'), DATABASE_URL: fresh.url };
    platform = await createPlatform(loadConfig(env));
    const db = platform.drivers.database.db;
    const seedFrom = performance.now();

    const studio = await platform.modules.identity.service.signUp({ email: `bench-studio-${newId('device')}@example.com`, password: 'bench password 123', displayName: 'Bench Studio', role: 'creator' });
    const creator = benchCaller(studio.user.id, 'creator');
    const { catalog } = platform.modules;
    const series = await catalog.service.createSeries(creator, { title: 'Unlock bench', synopsis: 'Priced episodes', tags: ['bench'], language: 'en' });
    const first = await catalog.service.createEpisode(creator, series.id, { number: 1, title: 'Episode 1', priceCoins: PRICE });
    await catalog.service.setEpisodeMedia(first.id, { status: 'ready', assetId: 'ast_bench_1', durationMs: 60_000 });
    await catalog.service.publishEpisode(creator, first.id);
    await catalog.service.publishSeries(creator, series.id);
    const episodeCount = Math.max(HOT, Math.ceil(DISTINCT / VIEWERS), Math.ceil(WARMUP / 10)) + 2 * CONNECTIONS;
    const [template] = await db.select().from(episodes).where(eq(episodes.id, first.id));
    if (!template) throw new Error('the first episode vanished');
    const copies = Array.from({ length: episodeCount - 1 }, (_, i) => ({ ...template, id: newId('episode'), number: i + 2, title: `Episode ${i + 2}`, mediaAssetId: `ast_bench_${i + 2}` }));
    for (let from = 0; from < copies.length; from += 500) await db.insert(episodes).values(copies.slice(from, from + 500));
    const episodeIds = [first.id, ...copies.map((c) => c.id)];
    const studioId = series.studioId;

    // Fresh viewers for every (round, workload, target), so each run starts from the same wallet state.
    const perViewer = Math.ceil(DISTINCT / VIEWERS) + 2;
    const groups = new Map<string, Viewer[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of ['http', 'bare'] as Target[]) {
        groups.set(`${round}:distinct:${target}`, await makeViewers(platform, VIEWERS, perViewer * PRICE, `${round}d${target}`));
        groups.set(`${round}:hot:${target}`, await makeViewers(platform, 1, (HOT + 2 * CONNECTIONS) * PRICE, `${round}h${target}`));
      }
    }
    const warmupViewers = await makeViewers(platform, 10, 20 * PRICE, 'warm');
    const warmupBare = await makeViewers(platform, 10, 20 * PRICE, 'warmbare');
    // The revenue account exists after the first unlock; the bare run needs its id.
    const revenueOf = async () =>
      (await db.select({ id: ledgerAccounts.id }).from(ledgerAccounts).where(and(eq(ledgerAccounts.ownerId, studioId), eq(ledgerAccounts.purpose, 'coin_revenue'))))[0]?.id ?? null;
    console.log(`seeded: 1 studio, 1 series × ${episodeCount} priced episodes, ${[...groups.values()].reduce((a, g) => a + g.length, 0) + 20} viewers with paid coins — ${((performance.now() - seedFrom) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const serveFrom = performance.now();
    const app = spawnMain('unlock app (serve)', 'serve', { ...env, PORT: String(port), HOST: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForOk(`${baseUrl}/readyz`, app, 90_000);
    console.log(`server up in ${((performance.now() - serveFrom) / 1000).toFixed(1)} s`);

    const warm = await runHttp(baseUrl, pairs(warmupViewers, episodeIds, series.id, WARMUP + 2 * CONNECTIONS), WARMUP, 'warm');
    if (warm.completed !== WARMUP) throw new Error(`warm-up unlocks failed: ${JSON.stringify([...warm.statuses])}`);
    const revenueAccountId = await revenueOf();
    if (!revenueAccountId) throw new Error('no studio revenue account after the warm-up');
    const warmBare = await runBare(fresh.url, pairs(warmupBare, episodeIds, series.id, WARMUP), { studioId, revenueAccountId });
    let unlocked = warm.completed + warmBare.completed;

    const results = new Map<string, Figures[]>();
    const record = (key: string, f: Figures) => results.set(key, [...(results.get(key) ?? []), f]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const workload of ['distinct', 'hot'] as Workload[]) {
        const total = workload === 'distinct' ? DISTINCT : HOT;
        // Alternate which target goes first, so drift on a shared machine hits both alike.
        const order: Target[] = round % 2 === 0 ? ['http', 'bare'] : ['bare', 'http'];
        for (const target of order) {
          const viewers = groups.get(`${round}:${workload}:${target}`) ?? [];
          const figures =
            target === 'http'
              ? await runHttp(baseUrl, pairs(viewers, episodeIds, series.id, total + 2 * CONNECTIONS), total, `${round}-${workload}`)
              : await runBare(fresh.url, pairs(viewers, episodeIds, series.id, total), { studioId, revenueAccountId });
          unlocked += figures.completed;
          record(`${workload}:${target}`, figures);
          console.log(row(`round ${round + 1} ${workload} ${target}`, figures));
        }
      }
    }

    console.log('');
    console.log('summary (unlocks/s and p50: mean of rounds; p99: worst round)');
    for (const workload of ['distinct', 'hot'] as Workload[]) {
      const http = mean(results.get(`${workload}:http`) ?? []);
      const bare = mean(results.get(`${workload}:bare`) ?? []);
      console.log(row(`${workload}: POST …/unlock`, http));
      console.log(row(`${workload}: bare SQL`, bare));
      console.log(`${workload}: ratio http/bare unlocks/s ${(http.unlocksPerSecond / bare.unlocksPerSecond).toFixed(3)}, p99 http/bare ${(http.p99Ms / bare.p99Ms).toFixed(2)}×`);
      failures += http.failed + bare.failed;
    }
    console.log(`bare transaction: ${BASELINE_STATEMENTS.length} statements in BEGIN … COMMIT:`);
    for (const statement of BASELINE_STATEMENTS) console.log(`  - ${statement}`);

    // The audit: every (viewer, episode) pair charged once, the ledger balanced, no wallet below zero.
    const report = await platform.modules.ledger.service.verify();
    const negativeWallets = await db
      .select({ n: count() })
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.ownerType, 'user'), inArray(ledgerAccounts.purpose, ['coins_paid', 'coins_bonus']), lt(ledgerAccounts.balance, 0)));
    const grants = await db.select({ n: count() }).from(entitlements);
    // Each viewer paid exactly the price of what they own, whichever target served them.
    const owned = new Map(
      (await db.select({ userId: entitlements.userId, n: count() }).from(entitlements).groupBy(entitlements.userId)).map((r) => [r.userId, Number(r.n)]),
    );
    let wrongBalances = 0;
    for (const viewer of [...[...groups.values()].flat(), ...warmupViewers, ...warmupBare]) {
      const balance = (await platform.modules.wallet.service.balances(viewer.userId)).total;
      if (balance !== viewer.funded - (owned.get(viewer.userId) ?? 0) * PRICE) wrongBalances += 1;
    }
    console.log('');
    console.log(
      `audit: balances = sum of postings: ${report.mismatchedAccounts.length === 0 ? 'yes' : `NO (${report.mismatchedAccounts.length} accounts)`}; ` +
        `unbalanced entries: ${report.unbalancedEntries.length}; negative wallets: ${negativeWallets[0]?.n ?? '?'}; ` +
        `entitlements ${grants[0]?.n ?? '?'} for ${unlocked} successful unlocks; viewers whose balance ≠ funded − price × owned: ${wrongBalances}`,
    );
    if (!report.ok || Number(negativeWallets[0]?.n) !== 0 || Number(grants[0]?.n) !== unlocked || wrongBalances > 0) failures += 1;
    console.log(`total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    await killAll();
    if (platform) await closePlatform(platform);
    await database.dispose();
  }
}

runBench(main);
