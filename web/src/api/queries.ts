import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { endpoints } from './endpoints.ts';
import { useSession } from './session.ts';
import type { ItemsOf, Series } from './types.ts';

export const keys = {
  feed: ['feed'] as const,
  series: (id: string) => ['series', id] as const,
  follows: ['me', 'follows'] as const,
  continueWatching: ['me', 'continue'] as const,
  history: ['me', 'history'] as const,
  studioSeries: ['studio', 'series'] as const,
  media: (episodeId: string) => ['media', episodeId] as const,
};

export function useFeed() {
  return useInfiniteQuery({
    queryKey: keys.feed,
    queryFn: ({ pageParam }) => endpoints.feed(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // The feed carries resume points; refetching it under the viewer's thumb would reorder the pager.
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}

export function useSeries(id: string | null) {
  return useQuery({
    queryKey: keys.series(id ?? ''),
    queryFn: () => endpoints.series(id as string),
    enabled: id !== null,
    staleTime: 30_000,
  });
}

export function useFollows() {
  const { session } = useSession();
  return useQuery({
    queryKey: keys.follows,
    queryFn: () => endpoints.follows(),
    enabled: session.user !== null,
  });
}

/** Following needs an account; callers send signed-out viewers to sign in. */
export function useFollowToggle(series: Series) {
  const client = useQueryClient();
  const follows = useFollows();
  const following = follows.data?.items.some((item) => item.id === series.id) ?? false;
  const mutation = useMutation({
    mutationFn: (follow: boolean) => (follow ? endpoints.follow(series.id) : endpoints.unfollow(series.id)),
    onSuccess: (_result, follow) => {
      // Write the answer into the cache first, so the button does not flick back while the list reloads.
      client.setQueryData<ItemsOf<Series>>(keys.follows, (current) => {
        const others = (current?.items ?? []).filter((item) => item.id !== series.id);
        return { items: follow ? [series, ...others] : others };
      });
    },
    onSettled: () => client.invalidateQueries({ queryKey: keys.follows }),
  });
  const pending = mutation.isPending ? mutation.variables : undefined;
  return {
    following: pending ?? following,
    toggle: () => mutation.mutate(!(pending ?? following)),
    busy: mutation.isPending,
  };
}
