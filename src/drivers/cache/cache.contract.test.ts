import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../../test/support/services.ts';
import { createMemoryCache } from './memory-cache.ts';
import type { Cache } from './port.ts';
import { createRedisCache } from './redis-cache.ts';

/**
 * The cache contract, run on memory always and on Redis when REDIS_URL is set. `open` returns
 * two handles on the same cache: for Redis they are two connections, as two processes would have.
 */

interface DriverCase {
  name: string;
  enabled: boolean;
  open: () => [Cache, Cache];
}

const redisUrl = testRedisUrl();
const run = randomBytes(4).toString('hex');
const opened: Cache[] = [];

afterAll(async () => {
  await Promise.all(opened.map((cache) => cache.close()));
});

const drivers: DriverCase[] = [
  {
    name: 'memory',
    enabled: true,
    open: () => {
      const cache = createMemoryCache();
      opened.push(cache);
      return [cache, cache];
    },
  },
  {
    name: 'redis',
    enabled: redisUrl !== null,
    open: () => {
      if (!redisUrl) throw new Error('REDIS_URL is not set');
      const pair: [Cache, Cache] = [createRedisCache(redisUrl), createRedisCache(redisUrl)];
      opened.push(...pair);
      return pair;
    },
  },
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let keyCounter = 0;
function uniqueKey(label: string): string {
  keyCounter += 1;
  return `test:${run}:${label}:${keyCounter}`;
}

for (const driver of drivers) {
  describe.runIf(driver.enabled)(`cache contract (${driver.name})`, () => {
    it('gets, sets, overwrites and deletes', async () => {
      const [cache, other] = driver.open();
      const key = uniqueKey('plain');
      expect(await cache.get(key)).toBeNull();
      await cache.set(key, 'one', 60_000);
      expect(await other.get(key)).toBe('one');
      await cache.set(key, 'two', 60_000);
      expect(await cache.get(key)).toBe('two');
      await other.delete(key);
      expect(await cache.get(key)).toBeNull();
      await cache.delete(key);
    });

    it('expires a value after its TTL, and a set without TTL clears the old one', async () => {
      const [cache] = driver.open();
      const short = uniqueKey('ttl');
      const persisted = uniqueKey('persist');
      await cache.set(short, 'v', 150);
      await cache.set(persisted, 'first', 150);
      await cache.set(persisted, 'second');
      expect(await cache.get(short)).toBe('v');
      await sleep(300);
      expect(await cache.get(short)).toBeNull();
      expect(await cache.get(persisted)).toBe('second');
      await cache.delete(persisted);
    });

    it('increments atomically, creating the key with its TTL only on the first call', async () => {
      const [cache] = driver.open();
      const key = uniqueKey('counter');
      expect(await cache.incr(key, 1, 400)).toBe(1);
      await sleep(250);
      // Had this second call reset the TTL, the key would outlive the first window.
      expect(await cache.incr(key, 4, 400)).toBe(5);
      expect(await cache.incr(key, -2)).toBe(3);
      await sleep(250);
      expect(await cache.get(key)).toBeNull();
      expect(await cache.incr(key, 1, 400)).toBe(1);
    });

    it('increments by one by default and refuses a non-integer value', async () => {
      const [cache] = driver.open();
      const key = uniqueKey('default');
      expect(await cache.incr(key)).toBe(1);
      expect(await cache.incr(key)).toBe(2);
      expect(await cache.get(key)).toBe('2');
      await cache.set(key, 'not a number', 60_000);
      await expect(cache.incr(key)).rejects.toThrow();
      await cache.delete(key);
      await expect(cache.incr(key, 1.5)).rejects.toThrow(RangeError);
    });

    it('counts 1000 concurrent increments from two clients exactly', async () => {
      const [cache, other] = driver.open();
      const key = uniqueKey('crowd');
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? cache : other).incr(key, 1, 60_000)),
      );
      expect(await cache.get(key)).toBe('1000');
      expect(new Set(results).size).toBe(1000);
      expect(Math.max(...results)).toBe(1000);
    });

    it('grants a lock to one holder until released', async () => {
      const [cache, other] = driver.open();
      const key = uniqueKey('lock');
      const lock = await cache.tryLock(key, 10_000);
      expect(lock).not.toBeNull();
      expect(await other.tryLock(key, 10_000)).toBeNull();
      expect(await cache.tryLock(key, 10_000)).toBeNull();
      await lock?.release();
      const next = await other.tryLock(key, 10_000);
      expect(next).not.toBeNull();
      await next?.release();
    });

    it('keeps locks apart from values of the same name', async () => {
      const [cache] = driver.open();
      const key = uniqueKey('shared-name');
      await cache.set(key, 'value', 60_000);
      const lock = await cache.tryLock(key, 10_000);
      expect(lock).not.toBeNull();
      expect(await cache.get(key)).toBe('value');
      await lock?.release();
      await cache.delete(key);
    });

    it('lets a lock expire after its TTL, and a stale holder cannot free the new holder', async () => {
      const [cache, other] = driver.open();
      const key = uniqueKey('expiring');
      const stale = await cache.tryLock(key, 150);
      expect(stale).not.toBeNull();
      await sleep(300);
      const current = await other.tryLock(key, 10_000);
      expect(current).not.toBeNull();
      await stale?.release();
      expect(await cache.tryLock(key, 10_000)).toBeNull();
      await current?.release();
      expect(await cache.tryLock(key, 10_000)).not.toBeNull();
    });

    it('gives 50 concurrent tryLock calls on one key exactly one winner', async () => {
      const [cache, other] = driver.open();
      const key = uniqueKey('race');
      const attempts = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? cache : other).tryLock(key, 10_000)),
      );
      expect(attempts.filter((lock) => lock !== null)).toHaveLength(1);
      await attempts.find((lock) => lock !== null)?.release();
    });
  });
}
