import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { assertIncrement, assertTtl } from './checks.ts';
import type { Cache, Lock } from './port.ts';

// EXISTS and INCRBY in one script so the TTL goes on exactly when this call created the key.
const INCR_WITH_TTL = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and ARGV[2] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
`;

// Compare-and-delete: a holder whose lock expired must not free the next holder's lock.
const RELEASE_IF_HELD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** Locks live apart from values so a lock never collides with a cached value of the same name. */
function lockKey(key: string): string {
  return `lock:${key}`;
}

export interface RedisCacheOptions {
  log?: Logger;
}

export function createRedisCache(url: string, options: RedisCacheOptions = {}): Cache {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  // Commands reject on their own; without a listener ioredis would also print every reconnect failure.
  redis.on('error', (error: Error) => options.log?.warn({ err: error }, 'redis connection error'));

  return {
    async get(key: string): Promise<string | null> {
      return redis.get(key);
    },

    async set(key: string, value: string, ttlMs?: number): Promise<void> {
      if (ttlMs === undefined) {
        await redis.set(key, value);
        return;
      }
      assertTtl(ttlMs);
      await redis.set(key, value, 'PX', ttlMs);
    },

    async delete(key: string): Promise<void> {
      await redis.del(key);
    },

    async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
      assertIncrement(by);
      if (ttlMs !== undefined) assertTtl(ttlMs);
      const result = await redis.eval(INCR_WITH_TTL, 1, key, by, ttlMs === undefined ? '' : ttlMs);
      return Number(result);
    },

    async tryLock(key: string, ttlMs: number): Promise<Lock | null> {
      assertTtl(ttlMs);
      const token = randomBytes(16).toString('hex');
      const acquired = await redis.set(lockKey(key), token, 'PX', ttlMs, 'NX');
      if (acquired !== 'OK') return null;
      return {
        release: async () => {
          await redis.eval(RELEASE_IF_HELD, 1, lockKey(key), token);
        },
      };
    },

    async close(): Promise<void> {
      await redis.quit();
    },
  };
}
