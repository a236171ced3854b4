import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { openDatabase, pgliteDirFor, type Database } from './db/index.ts';
import type { Queue } from './queue/port.ts';
import type { Bus } from './bus/port.ts';
import type { Cache } from './cache/port.ts';
import type { Storage } from './storage/port.ts';
import { createDbQueue } from './queue/db-queue.ts';
import { createMemoryBus } from './bus/memory-bus.ts';
import { createNatsBus } from './bus/nats-bus.ts';
import { createMemoryCache } from './cache/memory-cache.ts';
import { createRedisCache } from './cache/redis-cache.ts';
import { createFsStorage } from './storage/fs-storage.ts';

/** Every piece of infrastructure, each behind its port. */
export interface Drivers {
  database: Database;
  queue: Queue;
  bus: Bus;
  cache: Cache;
  storage: Storage;
  clock: Clock;
}

export interface DriverOverrides {
  /** In-memory PGlite for tests when no DATABASE_URL is given. */
  inMemoryDatabase?: boolean;
  clock?: Clock;
}

export async function openDrivers(config: Config, log: Logger, overrides: DriverOverrides = {}): Promise<Drivers> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: config.databasePoolSize,
    pgliteDir: overrides.inMemoryDatabase ? null : pgliteDirFor(config.dataDir),
    onIdleError: (error) => log.warn({ err: error }, 'an idle database connection failed'),
  });
  await database.migrate();
  const clock = overrides.clock ?? systemClock;
  const queue = createDbQueue(database.db, {
    pollIntervalMs: config.worker.pollIntervalMs,
    workerId: `${hostname()}:${process.pid}`,
    retentionMs: config.worker.jobRetentionMs,
    log,
  });
  const bus = config.natsUrl ? await createNatsBus(config.natsUrl, { log }) : createMemoryBus({ log });
  const cache = config.redisUrl ? createRedisCache(config.redisUrl, { log }) : createMemoryCache();
  const storage = createFsStorage(config.mediaDir);
  return { database, queue, bus, cache, storage, clock };
}

export async function closeDrivers(drivers: Drivers): Promise<void> {
  await drivers.queue.stop();
  await drivers.bus.close();
  await drivers.cache.close();
  await drivers.database.close();
}
