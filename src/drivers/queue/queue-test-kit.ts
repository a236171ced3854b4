import { afterAll, afterEach, beforeAll } from 'vitest';
import { openTestDatabase, testPostgresUrl, type TestDatabase } from '../../../test/support/db.ts';
import { openDatabase, type Database } from '../db/index.ts';
import { createDbQueue, type DbQueueOptions } from './db-queue.ts';
import type { JobRecord, Queue } from './port.ts';

/**
 * Shared set-up for the queue's contract tests, run on whichever database openTestDatabase()
 * gives: in-memory PGlite by default, a fresh PostgreSQL database when DATABASE_URL is set.
 */
export interface QueueHarness {
  readonly database: TestDatabase;
  /** A queue stopped after each test. */
  makeQueue(overrides?: Partial<DbQueueOptions>, db?: Database): Queue;
  /** Another pool on the same PostgreSQL database, as another process would have; PGlite shares its one connection. */
  openAnotherConnection(): Promise<Database>;
}

export const databaseLabel = testPostgresUrl() ? 'postgres' : 'pglite';

export function useQueueHarness(): QueueHarness {
  let database: TestDatabase | null = null;
  const started: Queue[] = [];
  const extraDatabases: Database[] = [];

  function current(): TestDatabase {
    if (!database) throw new Error('the test database is not open yet');
    return database;
  }

  beforeAll(async () => {
    database = await openTestDatabase();
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((queue) => queue.stop(2_000)));
  });

  afterAll(async () => {
    await Promise.all(extraDatabases.splice(0).map((db) => db.close()));
    await database?.drop();
  });

  return {
    get database() {
      return current();
    },
    makeQueue(overrides = {}, db = current()) {
      const queue = createDbQueue(db.db, { pollIntervalMs: 20, workerId: `test-${started.length}`, backoffBaseMs: 50, ...overrides });
      started.push(queue);
      return queue;
    },
    async openAnotherConnection() {
      const { url } = current();
      if (!url) return current();
      const db = await openDatabase({ databaseUrl: url, pgliteDir: null });
      extraDatabases.push(db);
      return db;
    },
  };
}

let queueCounter = 0;

export function uniqueQueue(label: string): string {
  queueCounter += 1;
  return `${label}-${queueCounter}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(15);
  }
}

export function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open = (): void => undefined;
  let fail = (_error: Error): void => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

export async function jobWithStatus(queue: Queue, id: string, status: JobRecord['status']): Promise<JobRecord | null> {
  const job = await queue.get(id);
  return job?.status === status ? job : null;
}
