/**
 * Playback with product cards against a bare Fastify baseline, in the same run on the same machine.
 *
 * Builds one free, published episode with a real ready asset (a 6 s demo clip rendered with ffmpeg,
 * sent through the upload intake and transcoded by the real worker, in this process) and PLACEMENTS
 * product cards on it (a merchant's products, offers, the studio's acceptance, placements through
 * the services). Then it starts the real app (`src/main.ts serve`) on 127.0.0.1 and beside it a bare
 * Fastify route answering a JSON body of the same size (one playback response, from a constant).
 * autocannon loads them in turn, A/B/A/B. An anonymous device cookie is sent, so no request mints
 * a device and playback does its resume lookup as for a returning viewer.
 *
 *   npm run bench:playback                          PostgreSQL at DATABASE_URL (default
 *                                                   postgres://postgres@127.0.0.1:5432/test), a fresh
 *                                                   database created and dropped
 *   DB=pglite npm run bench:playback                PGlite in DATA_DIR (a temp dir)
 *   ROUNDS=3 ROUND_SECONDS=5 CONNECTIONS=10 PLACEMENTS=5
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { buildHttpApp, closePlatform, createPlatform, registerWorkers, type Platform } from '../src/app.ts';
import { newId } from '../src/core/ids.ts';
import { findCjkFont, findLatinFont, renderDemoEpisode, resolveFfmpegBinaries } from '../src/ffmpeg/index.ts';
import { playbackCardsFrom } from '../src/flows/placements.ts';
import { killAll } from '../test/process/support/processes.ts';
import { benchCaller, describeAbLoad, intEnv, meanMs, openBenchDatabase, printStatements, runAbRounds, runBench, seconds, startAppAndBare } from './support/harness.ts';
import { recordStatements } from './support/profile.ts';

const LOAD = { rounds: intEnv('ROUNDS', 3), roundSeconds: intEnv('ROUND_SECONDS', 5), warmupSeconds: intEnv('WARMUP_SECONDS', 1), connections: intEnv('CONNECTIONS', 10) };
const PLACEMENTS = intEnv('PLACEMENTS', 5);
const CLIP_MS = 6_000;
const SCRYPT_COST = '16384';
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';

/** Litemall goods (CNY) as the demo shop sells them; the image URLs are the catalogue's. */
const GOODS = [
  { title: '海洋之心永生花', priceMinor: 29900, image: 'http://yanxuan.nosdn.127.net/ocean-heart.png' },
  { title: '古风圆角木质落地镜', priceMinor: 24900, image: 'http://yanxuan.nosdn.127.net/mirror.png' },
  { title: '104升 纯PC拉链斜纹拉杆箱', priceMinor: 29900, image: 'http://yanxuan.nosdn.127.net/suitcase.png' },
  { title: 'Carat钻石炒锅30cm', priceMinor: 18000, image: 'http://yanxuan.nosdn.127.net/wok.png' },
  { title: '全棉进口埃及长绒棉浴巾', priceMinor: 9900, image: 'http://yanxuan.nosdn.127.net/towel.png' },
  { title: '趣味粉彩系列笔记本', priceMinor: 2900, image: 'http://yanxuan.nosdn.127.net/notebook.png' },
];

interface PlaybackBody {
  hlsUrl: string;
  placements: { id: string; product: { priceMinor: number; currency: string } }[];
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A free published episode with a transcoded video and `count` placements on it. */
async function seedEpisode(platform: Platform, dataDir: string, count: number): Promise<string> {
  const { identity, catalog, media, commerce, placements } = platform.modules;
  const stamp = Date.now();
  const studio = await identity.service.signUp({ email: `bench-studio-${stamp}@example.com`, password: 'bench password 123', displayName: 'Bench Studio', role: 'creator' });
  const shop = await identity.service.signUp({ email: `bench-shop-${stamp}@example.com`, password: 'bench password 123', displayName: 'Bench Shop', role: 'merchant' });
  const producer = benchCaller(studio.user.id, 'creator');
  const merchant = benchCaller(shop.user.id, 'merchant');

  const series = await catalog.service.createSeries(producer, { title: '河神娶妻', synopsis: '嫁我后，欺负你的人，有我挡。', tags: ['家庭短剧'], language: 'zh-CN' });
  const episode = await catalog.service.createEpisode(producer, series.id, { number: 1, title: '祭河', priceCoins: 0, publishWhenReady: true });
  await catalog.service.publishSeries(producer, series.id);

  const clip = join(dataDir, 'clip.mp4');
  const cjk = findCjkFont();
  await renderDemoEpisode({
    outPath: clip,
    durationMs: CLIP_MS,
    seriesTitle: cjk ? '河神娶妻' : 'The River God Takes a Bride',
    episodeNumber: 1,
    episodeTitle: cjk ? '祭河' : 'The Offering',
    scenes: [{ durationMs: 1, background: '0x1b3a5c', subtitle: 'bench' }],
    fontFile: cjk ?? findLatinFont(),
    binaries: resolveFfmpegBinaries({ ffmpeg: platform.config.media.ffmpegPath, ffprobe: platform.config.media.ffprobePath }),
  });
  await media.ingestLocalFile(producer, episode.id, clip);
  const ready = await until(
    'the transcoded episode',
    async () => {
      const view = await catalog.service.getEpisode(producer, episode.id);
      if (view.mediaStatus === 'failed') throw new Error('the bench clip failed to transcode');
      return view.mediaStatus === 'ready' && view.durationMs !== null && view.status === 'published' ? view : null;
    },
    180_000,
  );
  const durationMs = ready.durationMs ?? CLIP_MS;

  const slice = Math.floor(durationMs / count);
  for (let i = 0; i < count; i++) {
    const goods = GOODS[i % GOODS.length] ?? GOODS[0];
    if (!goods) throw new Error('no goods');
    const product = await commerce.service.createProduct(merchant, {
      title: goods.title,
      description: '剧中同款',
      images: [goods.image],
      skus: [
        { options: { colour: '红色' }, priceMinor: goods.priceMinor, currency: 'CNY', stock: 50 },
        { options: { colour: '白色' }, priceMinor: goods.priceMinor - 1000, currency: 'CNY', stock: 50 },
      ],
    });
    const offer = await placements.service.offers.create(merchant, { productId: product.id, commissionBps: 1200, audience: 'all' });
    await placements.service.offers.accept(producer, offer.id);
    await placements.service.create(producer, episode.id, {
      productId: product.id,
      startMs: i * slice,
      endMs: (i + 1) * slice,
      box: i % 2 === 0 ? { x: 0.2, y: 0.4, w: 0.3, h: 0.2 } : null,
      label: i % 2 === 0 ? 'same' : 'similar',
      cta: '剧中同款 · 立即购买',
    });
  }
  return episode.id;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const usePglite = process.env.DB === 'pglite';
  const database = await openBenchDatabase('playback', usePglite ? null : (process.env.DATABASE_URL ?? DEFAULT_PG));
  const { dataDir } = database;
  console.log(describeAbLoad(LOAD));

  try {
    const env = { DATA_DIR: dataDir, SEED_DEMO: 'false', SCRYPT_COST, LOG_LEVEL: 'warn', WEB_DIR: join(dataDir, 'no-web'), WORKER_POLL_MS: '100', ...database.databaseEnv };
    const deviceId = newId('device');

    const platform = await createPlatform(loadConfig(env));
    registerWorkers(platform);
    platform.drivers.queue.start();
    const seedFrom = performance.now();
    const episodeId = await seedEpisode(platform, dataDir, PLACEMENTS);
    await platform.drivers.queue.stop();
    console.log(`seeded: 1 episode (6 s clip rendered, uploaded and transcoded), ${PLACEMENTS} placements — ${seconds(seedFrom)} s`);

    // One response in-process: the bare server's body, and the SQL one playback request sends.
    const probeApp = await buildHttpApp(platform);
    await probeApp.ready();
    const recorder = recordStatements(platform);
    const probe = await probeApp.inject({ method: 'GET', url: `/api/v1/episodes/${episodeId}/playback`, cookies: { ds_did: deviceId } });
    const statements = recorder.take();
    recorder.restore();
    const cards = playbackCardsFrom(platform.drivers.database.db);
    const cardsQueryMs = await meanMs(50, () => cards(episodeId));
    const injectMs = await meanMs(50, () => probeApp.inject({ method: 'GET', url: `/api/v1/episodes/${episodeId}/playback`, cookies: { ds_did: deviceId } }));
    await probeApp.close();
    await closePlatform(platform);
    if (probe.statusCode !== 200) throw new Error(`playback answered ${probe.statusCode}: ${probe.body}`);
    const bodyFile = join(dataDir, 'playback-body.json');
    await writeFile(bodyFile, probe.body);

    const servers = await startAppAndBare('playback app (serve)', env, bodyFile);
    const playbackUrl = `${servers.appUrl}/api/v1/episodes/${episodeId}/playback`;
    const headers = { cookie: `ds_did=${deviceId}` };

    const first = await fetch(playbackUrl, { headers });
    const text = await first.text();
    if (first.status !== 200) throw new Error(`playback answered ${first.status}: ${text}`);
    const body = JSON.parse(text) as PlaybackBody;
    if (body.placements.length !== PLACEMENTS || !body.hlsUrl) throw new Error(`unexpected playback: ${body.placements.length} placements`);
    const bareBytes = Buffer.byteLength(await (await fetch(servers.bareUrl)).text());
    console.log(`response: playback ${Buffer.byteLength(text)} bytes (${body.placements.length} placements, first ${body.placements[0]?.product.priceMinor} ${body.placements[0]?.product.currency}), bare ${bareBytes} bytes`);
    if (bareBytes !== Buffer.byteLength(text)) console.log('warning: the bare body differs in size from the served playback');

    const result = await runAbRounds(servers, { name: 'playback', summaryLabel: 'GET …/playback', url: playbackUrl, headers }, LOAD);
    console.log(`profile (in-process, sequential, mean of 50): placements query ${cardsQueryMs.toFixed(2)} ms, whole request via inject ${injectMs.toFixed(2)} ms`);
    printStatements('playback', statements);
    console.log(`total ${seconds(startedAt)} s`);
    if (!result.clean) process.exitCode = 1;
  } finally {
    await killAll();
    await database.dispose();
  }
}

runBench(main);
