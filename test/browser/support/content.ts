import { mkdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderDemoEpisode } from '../../../src/ffmpeg/demo-video.ts';

/** Seeds series through the public HTTP API, exactly as a studio would (tus upload included). */

export interface SeedEpisode {
  title: string;
  priceCoins: number;
  durationMs?: number;
}

export interface SeedSeries {
  title: string;
  synopsis: string;
  tags: string[];
  colour: string;
  episodes: SeedEpisode[];
}

export interface SeededSeries {
  id: string;
  title: string;
  episodes: { id: string; number: number; title: string; priceCoins: number }[];
}

const CLIP_DIR = join(tmpdir(), 'ds-browser-clips');

/** A small 9:16 clip with the series and episode drawn on it, cached between runs. */
export async function renderClip(series: SeedSeries, number: number, episode: SeedEpisode): Promise<string> {
  await mkdir(CLIP_DIR, { recursive: true });
  const durationMs = episode.durationMs ?? 12_000;
  const slug = `${series.colour.replace(/\W/g, '')}-${number}-${durationMs}`;
  const outPath = join(CLIP_DIR, `${slug}.mp4`);
  if (await stat(outPath).then((s) => s.size > 0, () => false)) return outPath;
  await renderDemoEpisode({
    outPath,
    width: 360,
    height: 640,
    durationMs,
    seriesTitle: series.title,
    episodeNumber: number,
    episodeTitle: episode.title,
    scenes: [
      { durationMs: 1, background: series.colour, subtitle: `${series.title} · ${episode.title}` },
      { durationMs: 1, background: '#202030', subtitle: 'Scene two' },
    ],
  });
  return outPath;
}

/** Every account the browser tests make has this password. */
export const PASSWORD = 'correct horse battery';

export interface Account {
  email: string;
  token: string;
  /** Calls the API with the account's token. */
  client: StudioClient;
}

/** An account through the public API (sign-up, then an API token from that session). */
export async function signUpAccount(baseUrl: string, role: 'viewer' | 'creator' | 'merchant', displayName: string): Promise<Account> {
  const email = `${role}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const signup = await fetch(`${baseUrl}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, displayName, role }),
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const { csrfToken } = (await signup.json()) as { csrfToken: string };
  const cookie = signup.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const tokens = await fetch(`${baseUrl}/api/v1/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'browser tests' }),
  });
  if (tokens.status !== 201) throw new Error(`token: ${tokens.status} ${await tokens.text()}`);
  const { token } = (await tokens.json()) as { token: string };
  return { email, token, client: new StudioClient(baseUrl, token) };
}

export class StudioClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static async signUp(baseUrl: string): Promise<StudioClient> {
    return (await signUpAccount(baseUrl, 'creator', 'Lantern Studio')).client;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** tus 1.0.0 by hand: create, then one PATCH with the whole (small) file. */
  async upload(episodeId: string, path: string): Promise<void> {
    const bytes = await readFile(path);
    const meta = (key: string, value: string) => `${key} ${Buffer.from(value).toString('base64')}`;
    const created = await fetch(`${this.baseUrl}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': [meta('episodeId', episodeId), meta('filename', 'clip.mp4')].join(','),
      },
    });
    const location = created.headers.get('location');
    if (created.status !== 201 || !location) throw new Error(`tus create: ${created.status} ${await created.text()}`);
    const patched = await fetch(new URL(location, `${this.baseUrl}/api/v1/uploads/`), {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${this.token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    if (patched.status !== 204) throw new Error(`tus patch: ${patched.status} ${await patched.text()}`);
  }

  async waitForMedia(episodeId: string, timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const media = await this.call<{ status: string; failureReason: string | null }>('GET', `/api/v1/episodes/${episodeId}/media`);
      if (media.status === 'ready') return;
      if (media.status === 'failed' || media.status === 'rejected') throw new Error(`transcode ${media.status}: ${media.failureReason}`);
      if (Date.now() > deadline) throw new Error(`episode ${episodeId} still ${media.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Creates, uploads and publishes every series. Uploads go first so the worker transcodes while
 * the rest is being sent; series are published in the order given (the feed shows newest first).
 */
export async function seedSeries(studio: StudioClient, all: SeedSeries[]): Promise<SeededSeries[]> {
  const seeded: SeededSeries[] = [];
  for (const series of all) {
    const created = await studio.call<{ id: string }>('POST', '/api/v1/series', {
      title: series.title,
      synopsis: series.synopsis,
      tags: series.tags,
      language: 'en',
    });
    const episodes: SeededSeries['episodes'] = [];
    for (const [i, episode] of series.episodes.entries()) {
      const number = i + 1;
      const made = await studio.call<{ id: string }>('POST', `/api/v1/series/${created.id}/episodes`, {
        number,
        title: episode.title,
        priceCoins: episode.priceCoins,
      });
      await studio.upload(made.id, await renderClip(series, number, episode));
      episodes.push({ id: made.id, number, title: episode.title, priceCoins: episode.priceCoins });
    }
    seeded.push({ id: created.id, title: series.title, episodes });
  }
  for (const series of seeded) {
    for (const episode of series.episodes) {
      await studio.waitForMedia(episode.id);
      await studio.call('POST', `/api/v1/episodes/${episode.id}/publish`);
    }
    await studio.call('POST', `/api/v1/series/${series.id}/publish`);
  }
  return seeded;
}
