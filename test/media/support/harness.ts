import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { count } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../../../src/config.ts';
import { newId } from '../../../src/core/ids.ts';
import { createDbQueue } from '../../../src/drivers/queue/db-queue.ts';
import type { Queue } from '../../../src/drivers/queue/port.ts';
import { createHmacSigner } from '../../../src/drivers/signing/index.ts';
import { createFsStorage } from '../../../src/drivers/storage/fs-storage.ts';
import type { Storage } from '../../../src/drivers/storage/port.ts';
import { csrfTokenFor, installAccessControl } from '../../../src/http/access.ts';
import type { Caller, Role } from '../../../src/http/context.ts';
import { installProblemHandlers } from '../../../src/http/problem.ts';
import type { HttpApp } from '../../../src/http/types.ts';
import { createMediaModule, type MediaModule } from '../../../src/modules/media/index.ts';
import { mediaAssets } from '../../../src/modules/media/schema.ts';
import { jobs } from '../../../src/drivers/queue/schema.ts';
import { openTestDatabase, type TestDatabase } from '../../support/db.ts';
import { TestEpisodeAccess } from './episode-access.ts';

export const MEDIA_SECRET = 'test-media-secret-0123456789';
const SESSION_SECRET = 'test-session-secret-0123456789';

export interface TestUser {
  id: string;
  role: Role;
  /** Headers a browser-like client sends: the session cookie and the CSRF token. */
  headers: Record<string, string>;
}

/**
 * Test callers: `x-test-session: <userId>` stands for a session cookie (so unsafe methods need the
 * CSRF header, as in the browser) and `x-test-device` for the ds_did cookie.
 */
function createTestCallerResolver(users: Map<string, TestUser>) {
  return async (request: { headers: Record<string, string | string[] | undefined> }): Promise<Caller> => {
    const device = request.headers['x-test-device'];
    const deviceId = typeof device === 'string' ? device : newId('device');
    const session = request.headers['x-test-session'];
    const user = typeof session === 'string' ? users.get(session) : undefined;
    if (!user) return { userId: null, role: null, deviceId, viewerKey: deviceId, via: 'anonymous', csrfToken: null };
    return {
      userId: user.id,
      role: user.role,
      deviceId,
      viewerKey: user.id,
      via: 'session',
      csrfToken: csrfTokenFor(user.id, SESSION_SECRET),
    };
  };
}

export interface MediaHarness {
  app: HttpApp;
  baseUrl: string;
  config: Config;
  database: TestDatabase;
  storage: Storage;
  queue: Queue;
  media: MediaModule;
  access: TestEpisodeAccess;
  log: Logger;
  dataDir: string;
  addUser(role: Role): TestUser;
  /** A fresh queue instance (another worker process, as far as the jobs table can tell). */
  startWorker(workerId: string): Queue;
  countRows(table: 'media_assets' | 'jobs'): Promise<number>;
  /** Every file under DATA_DIR's uploads and media folders, relative to DATA_DIR. */
  listDataFiles(): Promise<string[]>;
  close(): Promise<void>;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else files.push(path);
  }
  return files;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** Start a worker for the transcode queue right away (default true). */
  worker?: boolean;
}

export async function startMediaHarness(options: HarnessOptions = {}): Promise<MediaHarness> {
  const env = options.env ?? {};
  const dataDir = await mkdtemp(join(tmpdir(), 'ds-media-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    MEDIA_SECRET,
    SESSION_SECRET,
    // Failing jobs are expected in these tests; pass env LOG_LEVEL to see the logs.
    LOG_LEVEL: 'fatal',
    SEED_DEMO: 'false',
    WORKER_POLL_MS: '50',
    // Keep the shared 2-core machine usable while ffmpeg runs.
    TRANSCODE_THREADS: '2',
    ...env,
  });
  const log = pino({ level: config.logLevel });
  const database = await openTestDatabase();
  const storage = createFsStorage(config.mediaDir);
  const queues: Queue[] = [];
  const makeQueue = (workerId: string): Queue => {
    const queue = createDbQueue(database.db, { pollIntervalMs: 50, workerId, log, backoffBaseMs: 100, backoffMaxMs: 1000 });
    queues.push(queue);
    return queue;
  };
  const queue = makeQueue('media-test-1');
  const access = new TestEpisodeAccess();
  const signer = createHmacSigner(config.secrets.mediaSecret);
  const media = createMediaModule({ db: database.db, queue, storage, signer, config, log, clock: { now: () => new Date() }, episodeAccess: access });

  const users = new Map<string, TestUser>();
  const loggerInstance: FastifyBaseLogger = log;
  const app: HttpApp = Fastify({ loggerInstance }).withTypeProvider<TypeBoxTypeProvider>();
  installProblemHandlers(app);
  installAccessControl(app, createTestCallerResolver(users));
  media.registerRoutes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  if (options.worker ?? true) {
    media.registerJobs(queue);
    queue.start();
  }
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no listening address');
  const baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    app,
    baseUrl,
    config,
    database,
    storage,
    queue,
    media,
    access,
    log,
    dataDir,
    addUser(role: Role): TestUser {
      const id = newId('user');
      const user: TestUser = { id, role, headers: { 'x-test-session': id, 'x-csrf-token': csrfTokenFor(id, SESSION_SECRET) } };
      users.set(id, user);
      return user;
    },
    startWorker(workerId: string): Queue {
      const worker = makeQueue(workerId);
      media.registerJobs(worker);
      worker.start();
      return worker;
    },
    async countRows(table: 'media_assets' | 'jobs'): Promise<number> {
      const rows = await database.db.select({ n: count() }).from(table === 'jobs' ? jobs : mediaAssets);
      return Number(rows[0]?.n ?? 0);
    },
    async listDataFiles(): Promise<string[]> {
      const files = [...(await walk(join(dataDir, 'uploads'))), ...(await walk(config.mediaDir))];
      return files.map((file) => relative(dataDir, file)).sort();
    },
    async close(): Promise<void> {
      for (const q of queues) await q.stop(5000);
      await app.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
