import type { QueryClient } from '@tanstack/react-query';
import { endpoints } from '../api/endpoints.ts';
import { keys } from '../api/queries.ts';
import type { Episode, SeriesWithEpisodes } from '../api/types.ts';

export function playableEpisodes(series: SeriesWithEpisodes): Episode[] {
  return series.episodes.filter((episode) => episode.status === 'published').sort((a, b) => a.number - b.number);
}

/** The episode after `current` in its series, or null at the end. */
export async function nextEpisodeOf(client: QueryClient, current: Episode): Promise<Episode | null> {
  const series = await client.fetchQuery({
    queryKey: keys.series(current.seriesId),
    queryFn: () => endpoints.series(current.seriesId),
    staleTime: 30_000,
  });
  return playableEpisodes(series).find((episode) => episode.number > current.number) ?? null;
}
