import { api, apiRequest } from './client.ts';
import type {
  ContinueItem,
  Episode,
  FeedPage,
  HistoryItem,
  ItemsOf,
  MediaState,
  Playback,
  Role,
  Series,
  SeriesWithEpisodes,
  Session,
} from './types.ts';

const enc = encodeURIComponent;

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  role: Extract<Role, 'viewer' | 'creator' | 'merchant'>;
}

export interface SeriesInput {
  title: string;
  synopsis?: string;
  tags?: string[];
  language?: string;
}

export interface EpisodeInput {
  number: number;
  title: string;
  priceCoins: number;
  fit?: 'pad' | 'crop';
  publishWhenReady?: boolean;
}

export const endpoints = {
  me: () => api.get<Session>('/api/v1/auth/me'),
  signUp: (input: SignUpInput) => api.post<Session>('/api/v1/auth/signup', input),
  signIn: (email: string, password: string) => api.post<Session>('/api/v1/auth/signin', { email, password }),
  signOut: () => api.post<void>('/api/v1/auth/signout'),

  feed: (cursor: string | null, limit = 10) =>
    api.get<FeedPage>(`/api/v1/feed?limit=${limit}${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  series: (id: string) => api.get<SeriesWithEpisodes>(`/api/v1/series/${enc(id)}`),
  episode: (id: string) => api.get<Episode>(`/api/v1/episodes/${enc(id)}`),
  playback: (episodeId: string, signal?: AbortSignal) =>
    api.get<Playback>(`/api/v1/episodes/${enc(episodeId)}/playback`, signal),
  saveProgress: (episodeId: string, positionMs: number, durationMs: number | null, keepalive = false) =>
    apiRequest<void>('PUT', `/api/v1/episodes/${enc(episodeId)}/progress`, {
      body: durationMs === null ? { positionMs } : { positionMs, durationMs },
      keepalive,
    }),

  continueWatching: () => api.get<ItemsOf<ContinueItem>>('/api/v1/me/continue'),
  history: () => api.get<ItemsOf<HistoryItem>>('/api/v1/me/history'),
  follows: () => api.get<ItemsOf<Series>>('/api/v1/me/follows'),
  follow: (seriesId: string) => api.put<void>(`/api/v1/series/${enc(seriesId)}/follow`),
  unfollow: (seriesId: string) => api.delete<void>(`/api/v1/series/${enc(seriesId)}/follow`),

  studioSeries: () => api.get<ItemsOf<Series>>('/api/v1/studio/series'),
  createSeries: (input: SeriesInput) => api.post<Series>('/api/v1/series', input),
  updateSeries: (id: string, input: Partial<SeriesInput>) => api.patch<Series>(`/api/v1/series/${enc(id)}`, input),
  uploadCover: (id: string, image: Blob) => apiRequest<Series>('PUT', `/api/v1/series/${enc(id)}/cover`, { blob: image }),
  publishSeries: (id: string) => api.post<Series>(`/api/v1/series/${enc(id)}/publish`),
  createEpisode: (seriesId: string, input: EpisodeInput) =>
    api.post<Episode>(`/api/v1/series/${enc(seriesId)}/episodes`, input),
  updateEpisode: (id: string, input: Partial<Omit<EpisodeInput, 'number'>>) =>
    api.patch<Episode>(`/api/v1/episodes/${enc(id)}`, input),
  publishEpisode: (id: string) => api.post<Episode>(`/api/v1/episodes/${enc(id)}/publish`),
  media: (episodeId: string) => api.get<MediaState>(`/api/v1/episodes/${enc(episodeId)}/media`),
};
