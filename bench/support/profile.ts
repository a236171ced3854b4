import type { Platform } from '../../src/app.ts';
import { buildHttpApp } from '../../src/app.ts';
import type { Caller } from '../../src/http/context.ts';
import { meanMs } from './harness.ts';

type QueryFn = (...args: unknown[]) => Promise<unknown>;

export interface FeedProfile {
  /** SQL statements one feed request sends, in order. */
  statements: string[];
  /** Mean time of one call, sequential, in ms. */
  catalogPageMs: number;
  feedServiceMs: number;
  httpInjectMs: number;
  /** The body of one feed response, for the bare baseline to answer. */
  body: string;
}

/**
 * Counts what reaches the database driver. Drizzle keeps the driver client as `$client` (a pg
 * Pool or a PGlite instance) and calls its `query` for every statement, so wrapping that one
 * method sees them all without touching the modules.
 */
export function recordStatements(platform: Platform): { take(): string[]; restore(): void } {
  const client = (platform.drivers.database.db as unknown as { $client: { query: QueryFn } }).$client;
  const original = client.query;
  let seen: string[] = [];
  client.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text ?? '?';
    seen.push(text.replace(/\s+/g, ' '));
    return original.apply(this, args);
  };
  return {
    take: () => {
      const out = seen;
      seen = [];
      return out;
    },
    restore: () => {
      client.query = original;
    },
  };
}

/** Where one feed request spends its time, measured in this process, one request at a time. */
export async function profileFeed(platform: Platform, deviceId: string, limit: number, times = 50): Promise<FeedProfile> {
  const viewer: Caller = { userId: null, role: null, deviceId, viewerKey: deviceId, via: 'anonymous', csrfToken: null };
  const app = await buildHttpApp(platform);
  await app.ready();
  const recorder = recordStatements(platform);
  try {
    const inject = async () => {
      const response = await app.inject({ method: 'GET', url: `/api/v1/feed?limit=${limit}`, cookies: { ds_did: deviceId } });
      if (response.statusCode !== 200) throw new Error(`feed answered ${response.statusCode}: ${response.body}`);
      return response.body;
    };
    recorder.take();
    const body = await inject();
    const statements = recorder.take();
    const catalogPageMs = await meanMs(times, () => platform.modules.catalog.service.publishedSeriesPage(null, limit));
    const feedServiceMs = await meanMs(times, () => platform.modules.feed.service.feed(viewer, null, limit));
    const httpInjectMs = await meanMs(times, inject);
    return { statements, catalogPageMs, feedServiceMs, httpInjectMs, body };
  } finally {
    recorder.restore();
    await app.close();
  }
}
