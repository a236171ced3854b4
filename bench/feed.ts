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
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { closePlatform, createPlatform } from '../src/app.ts';
import { newId } from '../src/core/ids.ts';
import { killAll } from '../test/process/support/processes.ts';
import { seedCatalogue, seedViewingHistory } from './support/catalogue.ts';
import { describeAbLoad, intEnv, openBenchDatabase, printStatements, runAbRounds, runBench, seconds, startAppAndBare } from './support/harness.ts';
import { profileFeed } from './support/profile.ts';

const LOAD = { rounds: intEnv('ROUNDS', 3), roundSeconds: intEnv('ROUND_SECONDS', 5), warmupSeconds: intEnv('WARMUP_SECONDS', 1), connections: intEnv('CONNECTIONS', 10) };
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
  const database = await openBenchDatabase('feed', process.env.DATABASE_URL ?? null, ' (from DATABASE_URL)');
  const { dataDir } = database;
  console.log(describeAbLoad(LOAD));

  try {
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'false', SCRYPT_COST, LOG_LEVEL: 'warn', WEB_DIR: join(dataDir, 'no-web'), ...database.databaseEnv };
    const deviceId = newId('device');

    const platform = await createPlatform(loadConfig(env));
    const seedFrom = performance.now();
    const catalogue = await seedCatalogue(platform, { publishedSeries: SERIES, episodesPerSeries: EPISODES, draftSeries: 5, freeEpisodes: 3 });
    await seedViewingHistory(platform, deviceId, catalogue, HISTORY_SERIES);
    console.log(`seeded: ${SERIES} published series × ${EPISODES} episodes (media ready), 5 drafts, viewer history in ${HISTORY_SERIES} series — ${seconds(seedFrom)} s`);
    const profile = await profileFeed(platform, deviceId, LIMIT);
    await closePlatform(platform);

    const bodyFile = join(dataDir, 'feed-body.json');
    await writeFile(bodyFile, profile.body);

    const servers = await startAppAndBare('feed app (serve)', env, bodyFile);
    const feedUrl = `${servers.appUrl}/api/v1/feed?limit=${LIMIT}`;
    const headers = { cookie: `ds_did=${deviceId}` };

    const first = await fetch(feedUrl, { headers });
    const feedText = await first.text();
    if (first.status !== 200) throw new Error(`the feed answered ${first.status}: ${feedText}`);
    const feed = JSON.parse(feedText) as FeedBody;
    const resumed = feed.items.filter((i) => i.resumeAtMs > 0 || i.episode.number > 1).length;
    if (feed.items.length !== LIMIT || resumed === 0) throw new Error(`unexpected feed: ${feed.items.length} items, ${resumed} resumed`);
    const bareBytes = Buffer.byteLength(await (await fetch(servers.bareUrl)).text());
    console.log(`response: feed ${Buffer.byteLength(feedText)} bytes (${feed.items.length} items, ${resumed} resumed), bare ${bareBytes} bytes`);
    if (bareBytes !== Buffer.byteLength(feedText)) console.log('warning: the bare body differs in size from the served feed');

    const result = await runAbRounds(servers, { name: 'feed', summaryLabel: 'GET /api/v1/feed', url: feedUrl, headers }, LOAD);
    console.log('');
    console.log(`profile (in-process, sequential, mean of 50): catalog page ${profile.catalogPageMs.toFixed(2)} ms, feed service ${profile.feedServiceMs.toFixed(2)} ms, HTTP via inject ${profile.httpInjectMs.toFixed(2)} ms`);
    printStatements('feed', profile.statements);
    console.log(`total ${seconds(startedAt)} s`);
    if (!result.clean) process.exitCode = 1;
  } finally {
    await killAll();
    await database.dispose();
  }
}

runBench(main);
