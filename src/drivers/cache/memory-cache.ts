import { randomBytes } from 'node:crypto';
import { assertIncrement, assertTtl } from './checks.ts';
import type { Cache, Lock } from './port.ts';

interface Entry {
  value: string;
  /** Epoch ms; null = no expiry. */
  expiresAt: number | null;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The embedded cache: one process's memory, so its locks and counters are exclusive only
 * within this process — enough for the single-process default, never for several `serve`s
 * (configure Redis for that). Expiry, TTL-on-create and lock ownership behave as in Redis.
 */
export function createMemoryCache(): Cache {
  const values = new Map<string, Entry>();
  const locks = new Map<string, Entry>();

  function live(map: Map<string, Entry>, key: string): Entry | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      map.delete(key);
      return null;
    }
    return entry;
  }

  function expiryFor(ttlMs: number | undefined): number | null {
    if (ttlMs === undefined) return null;
    assertTtl(ttlMs);
    return Date.now() + ttlMs;
  }

  // Rate-limit counters are written once and never read again: without a sweep they would pile up.
  const sweeper = setInterval(() => {
    for (const map of [values, locks]) {
      for (const key of [...map.keys()]) live(map, key);
    }
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    async get(key: string): Promise<string | null> {
      return live(values, key)?.value ?? null;
    },

    async set(key: string, value: string, ttlMs?: number): Promise<void> {
      values.set(key, { value, expiresAt: expiryFor(ttlMs) });
    },

    async delete(key: string): Promise<void> {
      values.delete(key);
    },

    async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
      assertIncrement(by);
      const expiresAt = expiryFor(ttlMs);
      const entry = live(values, key);
      if (!entry) {
        values.set(key, { value: String(by), expiresAt });
        return by;
      }
      const current = Number(entry.value);
      if (!/^-?\d+$/.test(entry.value) || !Number.isSafeInteger(current)) {
        throw new Error(`cache value at ${key} is not an integer`);
      }
      const next = current + by;
      entry.value = String(next);
      return next;
    },

    async tryLock(key: string, ttlMs: number): Promise<Lock | null> {
      assertTtl(ttlMs);
      if (live(locks, key)) return null;
      const token = randomBytes(16).toString('hex');
      locks.set(key, { value: token, expiresAt: Date.now() + ttlMs });
      return {
        release: async () => {
          if (live(locks, key)?.value === token) locks.delete(key);
        },
      };
    },

    async close(): Promise<void> {
      clearInterval(sweeper);
      values.clear();
      locks.clear();
    },
  };
}
