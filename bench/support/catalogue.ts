import type { Platform } from '../../src/app.ts';
import type { Caller } from '../../src/http/context.ts';

export interface CatalogueShape {
  publishedSeries: number;
  episodesPerSeries: number;
  /** Series left in draft: they must stay out of the feed but sit in the same table. */
  draftSeries: number;
  /** The first N episodes of a series are free, the rest priced. */
  freeEpisodes: number;
}

export interface SeededCatalogue {
  seriesIds: string[];
  episodeIdsBySeries: Map<string, string[]>;
}

// An 18×32 JPEG: covers make coverUrl non-null, as in a real catalogue.
const COVER_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU4LjQyLjEwMAD/2wBDAAgQEBMQExYWFhYWFhoYGhsbGxoaGhobGxsdHR0iIiIdHR0bGx0dICAiIiUmJSMjIiMmJigoKDAwLi44ODpFRVP/xABNAAEBAAAAAAAAAAAAAAAAAAAABwEBAQEAAAAAAAAAAAAAAAAAAAEGEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAAAAAAAAAA/8AAEQgAIAASAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AnACtGAAAAAA//9k=',
  'base64',
);

const GENRES = ['revenge', 'romance', 'ceo', 'time-travel', 'family', 'mystery', 'urban', 'fantasy'];
const SYNOPSIS =
  'She was cast out on her wedding day. Three years later she returns with a new name, a company of her own and one question: who signed the order that ruined her family?';

function callerFor(userId: string, role: Caller['role']): Caller {
  return { userId, role, deviceId: 'dev_bench', viewerKey: userId, via: 'token', csrfToken: null };
}

/** Builds the catalogue through the services, with media marked ready as the transcoder would. */
export async function seedCatalogue(platform: Platform, shape: CatalogueShape): Promise<SeededCatalogue> {
  const { identity, catalog } = platform.modules;
  const studio = await identity.service.signUp({
    email: `bench-studio-${Date.now()}@example.com`,
    password: 'bench password 123',
    displayName: 'Bench Studio',
    role: 'creator',
  });
  const creator = callerFor(studio.user.id, 'creator');
  const seriesIds: string[] = [];
  const episodeIdsBySeries = new Map<string, string[]>();

  for (let s = 0; s < shape.publishedSeries + shape.draftSeries; s++) {
    const published = s < shape.publishedSeries;
    const series = await catalog.service.createSeries(creator, {
      title: `${published ? 'The Return' : 'Draft'} #${s + 1}: ${GENRES[s % GENRES.length]} saga`,
      synopsis: SYNOPSIS,
      tags: [GENRES[s % GENRES.length] ?? 'drama', GENRES[(s + 3) % GENRES.length] ?? 'drama', 'short'],
      language: s % 3 === 0 ? 'en' : 'zh-CN',
    });
    await catalog.service.setCover(creator, series.id, 'image/jpeg', COVER_JPEG);
    const episodeIds: string[] = [];
    for (let n = 1; n <= shape.episodesPerSeries; n++) {
      const episode = await catalog.service.createEpisode(creator, series.id, {
        number: n,
        title: `Episode ${n}`,
        priceCoins: n <= shape.freeEpisodes ? 0 : 30,
      });
      await catalog.service.setEpisodeMedia(episode.id, { status: 'ready', assetId: `ast_bench_${s}_${n}`, durationMs: 60_000 + n * 7_000 });
      if (published) await catalog.service.publishEpisode(creator, episode.id);
      episodeIds.push(episode.id);
    }
    if (published) {
      await catalog.service.publishSeries(creator, series.id);
      seriesIds.push(series.id);
    }
    episodeIdsBySeries.set(series.id, episodeIds);
  }
  return { seriesIds, episodeIdsBySeries };
}

/**
 * Gives one anonymous device a viewing history: part-way through some series, finished episodes
 * in others, so the feed's resume logic has rows to match.
 */
export async function seedViewingHistory(platform: Platform, deviceId: string, catalogue: SeededCatalogue, seriesCount: number): Promise<void> {
  const viewer: Caller = { userId: null, role: null, deviceId, viewerKey: deviceId, via: 'anonymous', csrfToken: null };
  const { feed } = platform.modules;
  // Newest series first, like the feed: the history touches the series the first pages show.
  for (const seriesId of [...catalogue.seriesIds].reverse().slice(0, seriesCount)) {
    const [first, second] = catalogue.episodeIdsBySeries.get(seriesId) ?? [];
    if (!first || !second) continue;
    await feed.service.saveProgress(viewer, first, 67_000, 67_000);
    await feed.service.saveProgress(viewer, second, 21_500, null);
  }
}
