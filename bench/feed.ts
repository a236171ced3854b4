/**
 * Feed throughput against a bare Fastify baseline, in the same run on the same machine.
 *
 * Seeds a catalogue through the services (media marked ready without transcoding), starts the
 * real app (`src/main.ts serve`) on 127.0.0.1, and beside it a bare Fastify route that answers the
 * same JSON the feed returned, from a constant. autocannon then loads them in turn, A/B/A/B, so a
 * noisy neighbour on the machine hits both alike. The device cookie of a viewer with history is
 * sent, so the feed does its resume work and no request mints a new device.
 *
 *   npm run bench:feed                                     PGlite in DATA_DIR (a temp dir)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:feed   a fresh PG database
 *   ROUNDS=3 ROUND_SECONDS=5 CONNECTIONS=10 SERIES=40 EPISODES=6 LIMIT=10
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { closePlatform, createPlatform } from '../src/app.ts';
import { newId } from '../src/core/ids.ts';
import { createFreshPostgresDatabase } from '../test/support/db.ts';
import { freePort, killAll, spawnMain, spawnTsx, waitForOk } from '../test/process/support/processes.ts';
import { seedCatalogue, seedViewingHistory } from './support/catalogue.ts';
import { formatRow, runLoad, summarise, type RoundResult } from './support/load.ts';
import { profileFeed } from './support/profile.ts';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const ROUNDS = intEnv('ROUNDS', 3);
const ROUND_SECONDS = intEnv('ROUND_SECONDS', 5);
const WARMUP_SECONDS = intEnv('WARMUP_SECONDS', 1);
const CONNECTIONS = intEnv('CONNECTIONS', 10);
const SERIES = intEnv('SERIES', 40);
const EPISODES = intEnv('EPISODES', 6);
const LIMIT = intEnv('LIMIT', 10);
const HISTORY_SERIES = 6;
const SCRYPT_COST = '16384';

interface FeedBody {
  items: { series: { id: string }; episode: { number: number }; resumeAtMs: number }[];
  nextCursor: string | null;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const adminUrl = process.env.DATABASE_URL ?? null;
  const dataDir = await mkdtemp(join(tmpdir(), 'ds-bench-feed-'));
  const fresh = adminUrl ? await createFreshPostgresDatabase(adminUrl) : null;
  const databaseEnv: Record<string, string> = fresh ? { DATABASE_URL: fresh.url } : {};
  console.log(
    fresh
      ? `database: PostgreSQL — fresh database ${new URL(fresh.url).pathname.slice(1)} on ${new URL(fresh.url).host} (from DATABASE_URL)`
      : `database: PGlite (embedded, on disk in ${dataDir}/pglite)`,
  );
  console.log(`load: autocannon, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${ROUND_SECONDS} s per target, A/B alternating, ${WARMUP_SECONDS} s warm-up each`);

  try {
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'false', SCRYPT_COST, LOG_LEVEL: 'warn', WEB_DIR: join(dataDir, 'no-web'), ...databaseEnv };
    const deviceId = newId('device');

    const platform = await createPlatform(loadConfig(env));
    const seedFrom = performance.now();
    const catalogue = await seedCatalogue(platform, { publishedSeries: SERIES, episodesPerSeries: EPISODES, draftSeries: 5, freeEpisodes: 3 });
    await seedViewingHistory(platform, deviceId, catalogue, HISTORY_SERIES);
    console.log(`seeded: ${SERIES} published series × ${EPISODES} episodes (media ready), 5 drafts, viewer history in ${HISTORY_SERIES} series — ${((performance.now() - seedFrom) / 1000).toFixed(1)} s`);
    const profile = await profileFeed(platform, deviceId, LIMIT);
    await closePlatform(platform);

    const bodyFile = join(dataDir, 'feed-body.json');
    await writeFile(bodyFile, profile.body);

    // Both servers start together: tsx start-up is most of the wait.
    const startFrom = performance.now();
    const [appPort, barePort] = [await freePort(), await freePort()];
    const app = spawnMain('feed app (serve)', 'serve', { ...env, PORT: String(appPort), HOST: '127.0.0.1' });
    const bare = spawnTsx('bare fastify', ['bench/support/bare-server.ts'], { BODY_FILE: bodyFile, PORT: String(barePort) });
    const appUrl = `http://127.0.0.1:${appPort}`;
    const bareUrl = `http://127.0.0.1:${barePort}/bare`;
    await Promise.all([waitForOk(`${appUrl}/readyz`, app, 90_000), waitForOk(bareUrl, bare, 90_000)]);
    console.log(`servers up in ${((performance.now() - startFrom) / 1000).toFixed(1)} s`);
    const feedUrl = `${appUrl}/api/v1/feed?limit=${LIMIT}`;
    const headers = { cookie: `ds_did=${deviceId}` };

    const first = await fetch(feedUrl, { headers });
    const feedText = await first.text();
    if (first.status !== 200) throw new Error(`the feed answered ${first.status}: ${feedText}`);
    const feed = JSON.parse(feedText) as FeedBody;
    const resumed = feed.items.filter((i) => i.resumeAtMs > 0 || i.episode.number > 1).length;
    if (feed.items.length !== LIMIT || resumed === 0) throw new Error(`unexpected feed: ${feed.items.length} items, ${resumed} resumed`);
    const bareBytes = Buffer.byteLength(await (await fetch(bareUrl)).text());
    console.log(`response: feed ${Buffer.byteLength(feedText)} bytes (${feed.items.length} items, ${resumed} resumed), bare ${bareBytes} bytes`);
    if (bareBytes !== Buffer.byteLength(feedText)) console.log('warning: the bare body differs in size from the served feed');

    await runLoad({ url: feedUrl, connections: CONNECTIONS, seconds: WARMUP_SECONDS, headers });
    await runLoad({ url: bareUrl, connections: CONNECTIONS, seconds: WARMUP_SECONDS });

    const feedRounds: RoundResult[] = [];
    const bareRounds: RoundResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const a = await runLoad({ url: feedUrl, connections: CONNECTIONS, seconds: ROUND_SECONDS, headers, serverGroupId: app.pid });
      feedRounds.push(a);
      console.log(formatRow(`round ${round} feed`, a));
      const b = await runLoad({ url: bareUrl, connections: CONNECTIONS, seconds: ROUND_SECONDS, serverGroupId: bare.pid });
      bareRounds.push(b);
      console.log(formatRow(`round ${round} bare`, b));
    }

    const feedSummary = summarise(feedRounds);
    const bareSummary = summarise(bareRounds);
    console.log('');
    console.log('summary (req/s and p50: mean of rounds; p99: worst round)');
    console.log(formatRow('GET /api/v1/feed', feedSummary));
    console.log(formatRow('bare fastify', bareSummary));
    console.log(`ratio feed/bare req/s: ${(feedSummary.requestsPerSecond / bareSummary.requestsPerSecond).toFixed(3)}`);
    console.log(`non-2xx: feed ${feedSummary.non2xx}, bare ${bareSummary.non2xx} (must be 0)`);
    console.log('');
    console.log(`profile (in-process, sequential, mean of 50): catalog page ${profile.catalogPageMs.toFixed(2)} ms, feed service ${profile.feedServiceMs.toFixed(2)} ms, HTTP via inject ${profile.httpInjectMs.toFixed(2)} ms`);
    console.log(`SQL statements per feed request: ${profile.statements.length}`);
    for (const statement of profile.statements) console.log(`  - ${statement.slice(0, 160)}${statement.length > 160 ? '…' : ''}`);
    console.log(`total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    if (feedSummary.non2xx > 0 || bareSummary.non2xx > 0 || feedSummary.errors > 0 || bareSummary.errors > 0) process.exitCode = 1;
  } finally {
    await killAll();
    await fresh?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
