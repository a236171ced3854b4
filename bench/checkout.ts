/**
 * The flash sale on PostgreSQL: BUYERS distinct signed-in buyers each check out one unit of a SKU
 * holding UNITS, over HTTP through the real platform (`src/main.ts serve`), from CONNECTIONS
 * connections; the winners then pay on the sandbox's hosted page and their orders become paid by
 * the verified webhook (delivered by a worker running in this process). Beside it, in the same run,
 * the platform's own checkout transaction bare from a `pg` loop on another SKU with the same stock,
 * twice: with one connection per concurrent buyer (CONNECTIONS) and with as many as the app's pool
 * (APP_POOL, default 10), which on a hot row and few cores is the bare loop's best. Afterwards every
 * SKU is audited: nothing oversold.
 *
 *   npm run bench:checkout     (DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test)
 *   CONNECTIONS=50 BUYERS=3000 UNITS=1000 APP_POOL=10 (the app's DATABASE_POOL_SIZE)
 */
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { and, count, eq, inArray, sum } from 'drizzle-orm';
import { buildHttpApp, closePlatform, createPlatform, registerWorkers, type Platform } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { newId } from '../src/core/ids.ts';
import { skus } from '../src/modules/commerce/schema.ts';
import { apiTokens, users } from '../src/modules/identity/schema.ts';
import { hashToken, newSecretToken } from '../src/modules/identity/tokens.ts';
import { orderLines, orders } from '../src/modules/orders/schema.ts';
import { freePort, killAll, spawnTsx, waitForOk } from '../test/process/support/processes.ts';
import { benchCaller, intEnv, openPostgresBench, printStatements, runBench } from './support/harness.ts';
import { BASELINE_STATEMENTS, runBareCheckouts, type BareRun, type BareSku } from './support/checkout-baseline.ts';
import { percentile } from './support/unlock-baseline.ts';

const CONNECTIONS = intEnv('CONNECTIONS', 50);
/** The app's PostgreSQL pool (its default, DATABASE_POOL_SIZE, is 10). */
const APP_POOL = intEnv('APP_POOL', 10);
const BUYERS = intEnv('BUYERS', 3000);
const UNITS = intEnv('UNITS', 1000);
const WARMUP = 200;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADDRESS = { name: 'Bench Buyer', line1: '1 Nanjing Road', city: 'Shanghai', postcode: '200001', country: 'CN', phone: '+86 21 0000' };

interface Buyer {
  userId: string;
  token: string;
}

/** Buyers as rows (one real sign-up gives the password hash), each with an API token. */
async function makeBuyers(platform: Platform, howMany: number, tag: string): Promise<Buyer[]> {
  const db = platform.drivers.database.db;
  const first = await platform.modules.identity.service.signUp({ email: `bench-${tag}-template@example.com`, password: 'bench password 123', displayName: 'Buyer', role: 'viewer' });
  const [template] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, first.user.id));
  const buyers = Array.from({ length: howMany }, (_, i) => ({ userId: newId('user'), token: newSecretToken('dst'), i }));
  for (let from = 0; from < buyers.length; from += 500) {
    const slice = buyers.slice(from, from + 500);
    await db.insert(users).values(slice.map((b) => ({ id: b.userId, email: `bench-${tag}-${b.i}@example.com`, passwordHash: template?.hash ?? '', displayName: `Buyer ${b.i}`, role: 'viewer' as const })));
    await db.insert(apiTokens).values(slice.map((b) => ({ id: newId('apiToken'), userId: b.userId, name: 'bench', tokenHash: hashToken(b.token) })));
  }
  return buyers.map(({ userId, token }) => ({ userId, token }));
}

interface HttpRun {
  seconds: number;
  /** From the start until the last unit was sold (the last 201). */
  sellOutSeconds: number;
  statuses: Map<number, number>;
  codes: Map<string, number>;
  p50Ms: number;
  p99Ms: number;
  redirects: { redirectUrl: string; orderIds: string[] }[];
}

async function runHttp(baseUrl: string, skuId: string, buyers: Buyer[], tag: string): Promise<HttpRun> {
  let next = 0;
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  const redirects: HttpRun['redirects'] = [];
  let lastWinAt = 0;
  const body = JSON.stringify({ items: [{ skuId, quantity: 1 }], address: ADDRESS });
  const from = performance.now();
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    amount: buyers.length,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const buyer = buyers[next % buyers.length];
          next += 1;
          return {
            ...request,
            method: 'POST',
            path: '/api/v1/checkout',
            body,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer?.token ?? ''}`, 'idempotency-key': `bench-${tag}-${next}` },
          };
        },
        onResponse: (status, responseBody) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 201) lastWinAt = performance.now();
          try {
            const parsed = JSON.parse(responseBody) as { code?: string; redirectUrl?: string; orders?: { id: string }[] };
            if (parsed.code) codes.set(parsed.code, (codes.get(parsed.code) ?? 0) + 1);
            if (status === 201 && parsed.redirectUrl) redirects.push({ redirectUrl: parsed.redirectUrl, orderIds: (parsed.orders ?? []).map((o) => o.id) });
          } catch {
            codes.set('unparsable', (codes.get('unparsable') ?? 0) + 1);
          }
        },
      },
    ],
  });
  return { seconds: (performance.now() - from) / 1000, sellOutSeconds: (lastWinAt - from) / 1000, statuses, codes, p50Ms: result.latency.p50, p99Ms: result.latency.p99, redirects };
}

/** Presses Pay for every winner (CONNECTIONS at a time), then waits until every order is paid. */
async function payAll(platform: Platform, redirects: HttpRun['redirects']): Promise<{ seconds: number; latencies: number[] }> {
  const from = performance.now();
  let next = 0;
  const pressed: number[] = [];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (;;) {
        const item = redirects[next++];
        if (!item) return;
        const started = performance.now();
        const response = await fetch(`${item.redirectUrl}/succeed`, { method: 'POST', redirect: 'manual' });
        await response.arrayBuffer();
        pressed.push(performance.now() - started);
      }
    }),
  );
  const orderIds = redirects.flatMap((r) => r.orderIds);
  const db = platform.drivers.database.db;
  for (;;) {
    const [row] = await db.select({ n: count() }).from(orders).where(and(inArray(orders.id, orderIds), eq(orders.status, 'paid')));
    if (Number(row?.n ?? 0) === orderIds.length) break;
    if (performance.now() - from > 300_000) throw new Error('orders did not all become paid within 5 minutes');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { seconds: (performance.now() - from) / 1000, latencies: pressed };
}

/** Stock conservation and order lines against the counters: oversold = units promised beyond stock. */
interface Audit {
  available: number;
  reserved: number;
  sold: number;
  orderedUnits: number;
  oversold: number;
}

async function audit(platform: Platform, skuId: string): Promise<Audit> {
  const db = platform.drivers.database.db;
  const [row] = await db.select().from(skus).where(eq(skus.id, skuId));
  const [lines] = await db.select({ units: sum(orderLines.quantity) }).from(orderLines).where(eq(orderLines.skuId, skuId));
  const available = row?.stockAvailable ?? -1;
  const reserved = row?.stockReserved ?? -1;
  const sold = row?.stockSold ?? -1;
  const orderedUnits = Number(lines?.units ?? 0);
  const oversold = Math.max(0, orderedUnits - UNITS, reserved + sold - UNITS, orderedUnits - (reserved + sold), -available);
  return { available, reserved, sold, orderedUnits, oversold };
}

/** The SQL one winning checkout sends, recorded in this process through the same routes. */
async function statementsOfOneCheckout(platform: Platform, skuId: string, token: string): Promise<string[]> {
  const app = await buildHttpApp(platform);
  await app.ready();
  // Every pg client, so the statements inside the checkout's transaction (on a pooled client) count too.
  const original = pg.Client.prototype.query;
  const seen: string[] = [];
  const recording = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    seen.push((typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?')).replace(/\s+/g, ' '));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = recording as typeof original;
  try {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': 'bench-statements-1' },
      payload: { items: [{ skuId, quantity: 1 }], address: ADDRESS },
    });
    if (response.statusCode !== 201) throw new Error(`checkout answered ${response.statusCode}: ${response.body}`);
    return seen;
  } finally {
    pg.Client.prototype.query = original;
    await app.close();
  }
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const database = await openPostgresBench('checkout', ADMIN_URL);
  const { dataDir, fresh } = database;
  console.log(`flash sale: ${BUYERS} buyers (one unit each, every request a different buyer) for ${UNITS} units; ${CONNECTIONS} HTTP connections (autocannon), the app's pool ${APP_POOL}; the bare loop twice: ${CONNECTIONS} pg connections (one per buyer at once) and ${APP_POOL} (the app's pool)`);
  let platform: Platform | null = null;
  let failures = 0;
  try {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'false', SCRYPT_COST: '1024', LOG_LEVEL: 'warn', WEB_DIR: join(dataDir, 'no-web'), DATABASE_URL: fresh.url, PUBLIC_URL: baseUrl, WORKER_POLL_MS: '20', DATABASE_POOL_SIZE: String(APP_POOL) };
    platform = await createPlatform(loadConfig(env));
    const merchantSignUp = await platform.modules.identity.service.signUp({ email: 'bench-merchant@example.com', password: 'bench password 123', displayName: 'Bench Shop', role: 'merchant' });
    const merchant = benchCaller(merchantSignUp.user.id, 'merchant');
    const product = async (title: string, stock: number) => {
      const created = await platform?.modules.commerce.service.createProduct(merchant, { title, images: [], skus: [{ priceMinor: 9900, currency: 'CNY', stock }] });
      const sku = created?.skus[0];
      if (!created || !sku) throw new Error('no SKU');
      return { skuId: sku.id, productId: created.id, shopId: created.shopId, title, priceMinor: 9900, currency: 'CNY' } satisfies BareSku;
    };
    const warmSku = await product('Warm-up', WARMUP + 1);
    const httpSku = await product('Flash sale (HTTP)', UNITS);
    // The bare loop at the buyers' concurrency, and at the app's pool size (its best on a hot row).
    const bareRuns: { connections: number; sku: BareSku }[] = [];
    for (const connections of new Set([CONNECTIONS, APP_POOL])) bareRuns.push({ connections, sku: await product(`Flash sale (bare, ${connections} connections)`, UNITS) });
    const seedFrom = performance.now();
    const buyers = await makeBuyers(platform, BUYERS + WARMUP, 'b');
    console.log(`seeded ${buyers.length} buyers in ${((performance.now() - seedFrom) / 1000).toFixed(1)} s`);

    // APP_CPU_PROFILE_DIR: the app writes a V8 CPU profile there when it stops, to see where a checkout's time goes.
    const profile = process.env.APP_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.APP_CPU_PROFILE_DIR}`] : [];
    const app = spawnTsx('checkout app (serve)', [...profile, 'src/main.ts', 'serve'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
    await waitForOk(`${baseUrl}/readyz`, app, 90_000);
    const statements = await statementsOfOneCheckout(platform, warmSku.skuId, buyers[BUYERS]?.token ?? '');
    // The sandbox's webhook deliveries (and the order jobs) run here, as a separate worker would.
    registerWorkers(platform);
    platform.drivers.queue.start();

    const warm = await runHttp(baseUrl, warmSku.skuId, buyers.slice(BUYERS), 'warm');
    if ((warm.statuses.get(201) ?? 0) !== WARMUP) throw new Error(`warm-up failed: ${JSON.stringify([...warm.statuses])} ${JSON.stringify([...warm.codes])}`);

    const http = await runHttp(baseUrl, httpSku.skuId, buyers.slice(0, BUYERS), 'sale');
    const winners = http.statuses.get(201) ?? 0;
    const fiveXx = [...http.statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    const paid = await payAll(platform, http.redirects);
    const bares: { connections: number; run: BareRun; audit: Audit }[] = [];
    for (const { connections, sku: bareSku } of bareRuns) {
      const run = await runBareCheckouts(fresh.url, bareSku, buyers.slice(0, BUYERS).map((b) => b.userId), connections);
      bares.push({ connections, run, audit: await audit(platform, bareSku.skuId) });
    }

    const httpAudit = await audit(platform, httpSku.skuId);
    const ordersPerSecond = winners / http.seconds;
    const pressSorted = [...paid.latencies].sort((a, b) => a - b);
    console.log('');
    console.log(`HTTP  POST /api/v1/checkout: ${(BUYERS / http.seconds).toFixed(0)} req/s, ${ordersPerSecond.toFixed(0)} orders/s, p50 ${http.p50Ms.toFixed(1)} ms, p99 ${http.p99Ms.toFixed(1)} ms`);
    console.log(`      statuses ${JSON.stringify(Object.fromEntries(http.statuses))}, codes ${JSON.stringify(Object.fromEntries(http.codes))}`);
    console.log(
      `      then paid: ${winners} orders paid through the hosted page + verified webhook in ${paid.seconds.toFixed(1)} s (${(winners / paid.seconds).toFixed(0)} paid orders/s; page press p50 ${percentile(pressSorted, 50).toFixed(1)} ms, p99 ${percentile(pressSorted, 99).toFixed(1)} ms); end to end ${(winners / (http.seconds + paid.seconds)).toFixed(0)} paid orders/s`,
    );
    const httpSellOut = winners / http.sellOutSeconds;
    console.log(`      until sold out: ${httpSellOut.toFixed(0)} orders/s (${http.sellOutSeconds.toFixed(1)} s)`);
    for (const { connections, run, audit: bareAudit } of bares) {
      const bareSellOut = run.orders / run.sellOutSeconds;
      console.log(`bare  checkout transaction, ${connections} connections: ${run.ordersPerSecond.toFixed(0)} orders/s, p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms (orders ${run.orders}, insufficient ${run.insufficient}, failed ${run.failed}); until sold out ${bareSellOut.toFixed(0)} orders/s (${run.sellOutSeconds.toFixed(1)} s)`);
      // Until sell-out both sides make orders. Over the whole sale the bare loop runs the whole
      // transaction for each loser too, while the platform refuses most from its stock read.
      console.log(`      ratio http/bare orders/s until sold out: ${(httpSellOut / bareSellOut).toFixed(3)} (goal ≥ 0.5); over the whole sale, ${BUYERS - winners} losers included: ${(ordersPerSecond / run.ordersPerSecond).toFixed(3)}`);
      console.log(`      audit: ${JSON.stringify(bareAudit)}`);
    }
    console.log(`audit HTTP SKU: ${JSON.stringify(httpAudit)}`);
    const bareOversold = bares.reduce((sum, b) => sum + b.audit.oversold, 0);
    console.log(`oversold: HTTP ${httpAudit.oversold}, bare ${bareOversold}; 5xx: ${fiveXx}`);
    console.log(`bare transaction, the same as the app's (${BASELINE_STATEMENTS.length} statements):`);
    for (const statement of BASELINE_STATEMENTS) console.log(`  - ${statement}`);
    printStatements('winning checkout', statements);
    if (httpAudit.oversold > 0 || bareOversold > 0 || fiveXx > 0 || winners !== Math.min(UNITS, BUYERS) || httpAudit.sold !== winners) failures += 1;
    console.log(`total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    if (failures > 0) process.exitCode = 1;
    // A clean stop, so a CPU profile (APP_CPU_PROFILE_DIR) gets written.
    app.signal('SIGTERM');
    await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  } finally {
    await platform?.drivers.queue.stop(5_000);
    await killAll();
    if (platform) await closePlatform(platform);
    await database.dispose();
  }
}

runBench(main);
