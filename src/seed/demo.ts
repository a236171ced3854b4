import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../app.ts';
import { findCjkFont, findLatinFont, renderDemoEpisode, resolveFfmpegBinaries } from '../ffmpeg/index.ts';
import type { Caller } from '../http/context.ts';
import type { EpisodeView, SeriesView } from '../modules/catalog/service.ts';
import { KUAIREC_ATTRIBUTION, loadDemoDramaRows, type DramaRow } from './kuairec.ts';
import { DEMO_SCRIPTS, type SeriesScript } from './scripts.ts';
import { demoCardsFor, ensureDemoOffers, scheduleDemoCards } from './placements.ts';
import { seedDemoShops } from './shops.ts';

export const DEMO_PASSWORD = 'dualstream-demo';
export const DEMO_ACCOUNTS = {
  producer: 'studio@demo.dualstream.local',
  viewer: 'viewer@demo.dualstream.local',
  admin: 'admin@demo.dualstream.local',
} as const;

/** Lengths in seconds, 20–40 s as real micro-drama episodes. */
const EPISODE_SECONDS = [24, 30, 27, 33, 26, 36];

export interface SeedOptions {
  /** Only for tests: fewer and shorter episodes. */
  episodesPerSeries?: number;
  seriesCount?: number;
  episodeSeconds?: number;
}

interface PlannedEpisode {
  script: SeriesScript;
  row: DramaRow;
  series: SeriesView;
  episode: EpisodeView;
  index: number;
}

function callerFor(userId: string): Caller {
  return { userId, role: 'creator', deviceId: 'dev_seed', viewerKey: userId, via: 'token', csrfToken: null };
}

/**
 * Makes the demo catalogue on first start: three KuaiRec short dramas × six episodes, rendered
 * locally with ffmpeg and sent through the real upload intake and transcode queue. It is safe to
 * run again: what exists is kept, and episodes without a video get one.
 */
export async function seedDemoContent(platform: Platform, options: SeedOptions = {}): Promise<{ seriesIds: string[] }> {
  const { modules, config, log } = platform;
  const identity = modules.identity.service;
  const catalog = modules.catalog.service;
  const producer = await identity.ensureUser({
    email: DEMO_ACCOUNTS.producer,
    password: DEMO_PASSWORD,
    displayName: 'Hengdian Demo Studio',
    role: 'creator',
    orgName: '横店微短剧工作室 Hengdian Micro-Drama Studio',
  });
  await identity.ensureUser({ email: DEMO_ACCOUNTS.viewer, password: DEMO_PASSWORD, displayName: 'Demo Viewer', role: 'viewer' });
  await identity.ensureUser({ email: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD, displayName: 'Operator', role: 'admin' });
  // Shops first (a second or two, no ffmpeg): products exist before any episode is rendered.
  const shops = await seedDemoShops(platform, DEMO_PASSWORD);
  const caller = callerFor(producer.id);
  // The shops offer the products the demo places, and the studio accepts (src/seed/placements.ts).
  const demoProducts = await ensureDemoOffers(platform, producer.id, shops);
  const scheduleCards = (item: PlannedEpisode) => scheduleDemoCards(platform, producer.id, item.episode.id, demoCardsFor(item.script.videoId, item.episode.number, demoProducts));

  const rows = loadDemoDramaRows();
  const scripts = DEMO_SCRIPTS.slice(0, options.seriesCount ?? DEMO_SCRIPTS.length);
  const existing = await catalog.listStudioSeries(caller);
  const planned: PlannedEpisode[] = [];
  for (const script of scripts) {
    const row = rows.find((r) => r.videoId === script.videoId);
    if (!row) throw new Error(`KuaiRec row ${script.videoId} is missing from the fixture`);
    const found = existing.find((s) => s.title === row.title);
    let series = found ?? await catalog.createSeries(caller, {
      title: row.title,
      synopsis: row.synopsis,
      tags: row.tags,
      language: 'zh-CN',
      attribution: `${KUAIREC_ATTRIBUTION} (KuaiRec video ${row.videoId})`,
    });
    // Published from the start: the feed shows a series once its first episode is ready.
    if (series.status !== 'published') series = await catalog.publishSeries(caller, series.id);
    // Priced once, when created: a producer who changes the demo's pricing keeps it across restarts.
    if (!found) {
      await catalog.updateSeries(caller, series.id, {
        freeEpisodes: script.freeEpisodes,
        bundlePriceCoins: script.bundlePriceCoins,
        inVip: script.inVip,
        adUnlock: script.adUnlock,
      });
    }
    const current = await catalog.getSeries(caller, series.id);
    const count = Math.min(options.episodesPerSeries ?? script.episodes.length, script.episodes.length);
    for (let index = 0; index < count; index++) {
      const episodeScript = script.episodes[index];
      if (!episodeScript) continue;
      const number = index + 1;
      const episode =
        current.episodes.find((e) => e.number === number) ??
        (await catalog.createEpisode(caller, series.id, {
          number,
          title: episodeScript.title.zh,
          priceCoins: script.priceCoins,
          publishWhenReady: true,
        }));
      planned.push({ script, row, series, episode, index });
    }
  }

  // The first episode of every series first, so the feed fills quickly; then the rest.
  const order = [...planned].sort((a, b) => a.index - b.index);
  const workDir = join(config.dataDir, 'tmp', 'demo');
  await mkdir(workDir, { recursive: true });
  const binaries = resolveFfmpegBinaries({ ffmpeg: config.media.ffmpegPath, ffprobe: config.media.ffprobePath });
  const cjkFont = findCjkFont();
  const fontFile = cjkFont ?? findLatinFont();
  // Cards go on once each video is ready: a job per episode waits for it.
  for (const item of order) if (item.episode.mediaStatus !== 'none') await scheduleCards(item);
  for (const item of order) {
    if (item.episode.mediaStatus !== 'none') continue;
    const episodeScript = item.script.episodes[item.index];
    if (!episodeScript) continue;
    const outPath = join(workDir, `${item.episode.id}.mp4`);
    const seconds = options.episodeSeconds ?? EPISODE_SECONDS[item.index % EPISODE_SECONDS.length] ?? 30;
    await renderDemoEpisode({
      outPath,
      durationMs: seconds * 1000,
      seriesTitle: cjkFont ? item.row.title : item.script.englishTitle,
      episodeNumber: item.episode.number,
      episodeTitle: cjkFont ? episodeScript.title.zh : episodeScript.title.en,
      scenes: episodeScript.lines.map((line, i) => ({
        durationMs: 1,
        background: item.script.palette[i % item.script.palette.length] ?? 'black',
        subtitle: cjkFont ? `${line.zh}\n${line.en}` : line.en,
      })),
      fontFile,
      binaries,
    });
    await modules.media.ingestLocalFile(caller, item.episode.id, outPath);
    await scheduleCards(item);
    await rm(outPath, { force: true });
    log.info({ series: item.series.title, episode: item.episode.number }, 'demo episode queued for transcoding');
  }
  return { seriesIds: [...new Set(planned.map((p) => p.series.id))] };
}
