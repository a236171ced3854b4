import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { closePlatform, createPlatform, type Platform } from '../../src/app.ts';
import { createFreshPostgresDatabase, testPostgresUrl } from '../support/db.ts';
import { holdRequest, SessionClient } from './support/http-client.ts';
import { errorLogLines, exitWithin, freePort, killAll, repoRoot, spawnMain, tail, waitForOk, type AppProcess } from './support/processes.ts';

const adminUrl = testPostgresUrl();
const SHUTDOWN_DEADLINE_MS = 25_000;
const PASSWORD = 'correct horse battery';

interface FeedBody {
  items: { series: { id: string }; episode: { id: string }; resumeAtMs: number }[];
}
interface SessionBody {
  user: { id: string } | null;
  csrfToken: string | null;
}

function email(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/**
 * Two `serve` processes and one `worker` on one PostgreSQL database and one DATA_DIR, as behind a
 * load balancer: whatever one process wrote, the other must see, with nothing kept in memory.
 */
describe.runIf(adminUrl)('several processes on one PostgreSQL database', () => {
  let fresh: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let a: AppProcess;
  let b: AppProcess;
  let worker: AppProcess;
  let urlA: string;
  let urlB: string;
  let direct: Platform;

  beforeAll(async () => {
    fresh = await createFreshPostgresDatabase(adminUrl ?? '');
    dataDir = await mkdtemp(join(tmpdir(), 'ds-multi-'));
    const shared: Record<string, string> = {
      DATA_DIR: dataDir,
      DATABASE_URL: fresh.url,
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      SCRYPT_COST: '16384',
      LOG_LEVEL: 'info',
      SESSION_SECRET: 'process-test-session-secret-0123456789abcdef',
      MEDIA_SECRET: 'process-test-media-secret-0123456789abcdef',
      WORKER_POLL_MS: '100',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...(process.env.NATS_URL ? { NATS_URL: process.env.NATS_URL } : {}),
    };
    const [portA, portB] = [await freePort(), await freePort()];
    urlA = `http://127.0.0.1:${portA}`;
    urlB = `http://127.0.0.1:${portB}`;
    // All three start at once on an empty database: each runs the migrations at start-up.
    a = spawnMain('serve A', 'serve', { ...shared, PORT: String(portA), PUBLIC_URL: urlA });
    b = spawnMain('serve B', 'serve', { ...shared, PORT: String(portB), PUBLIC_URL: urlB });
    worker = spawnMain('worker', 'worker', { ...shared, PORT: '0' });
    await Promise.all([waitForOk(`${urlA}/readyz`, a, 110_000), waitForOk(`${urlB}/readyz`, b, 110_000)]);
    // Marks episodes ready as the transcoder would; media processing itself is tested elsewhere.
    direct = await createPlatform(loadConfig({ DATA_DIR: join(dataDir, 'direct'), DATABASE_URL: fresh.url, LOG_LEVEL: 'warn', SEED_DEMO: 'false' }));
  });

  afterAll(async () => {
    await killAll();
    if (direct) await closePlatform(direct);
    await fresh?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('migrates the fresh database exactly once while three processes start together', async () => {
    const journal = JSON.parse(readFileSync(join(repoRoot, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    try {
      const applied = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
      expect(Number(applied.rows[0]?.n)).toBe(journal.entries.length);
    } finally {
      await client.end();
    }
    // The worker has no port to poll; give it a moment to fail if it were going to.
    await new Promise((r) => setTimeout(r, 1000));
    for (const proc of [a, b, worker]) {
      expect(proc.exit, `${proc.name}:\n${tail(proc.output())}`).toBeNull();
      expect(errorLogLines(proc.output()), proc.name).toEqual([]);
    }
  });

  it('honours on B a session and CSRF token made on A, and a sign-out on B everywhere', async () => {
    const creator = new SessionClient();
    const signup = await creator.request<SessionBody>(urlA, 'POST', '/api/v1/auth/signup', { email: email('creator'), password: PASSWORD, displayName: 'Creator', role: 'creator' });
    expect(signup.status).toBe(201);
    const me = await creator.request<SessionBody>(urlB, 'GET', '/api/v1/auth/me');
    expect(me.body.user?.id).toBe(signup.body.user?.id);
    expect(me.body.csrfToken).toBe(signup.body.csrfToken);

    const token = creator.csrfToken;
    creator.csrfToken = null;
    const forged = await creator.request<{ code: string }>(urlB, 'POST', '/api/v1/series', { title: 'No token' });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('CSRF_TOKEN_INVALID');
    creator.csrfToken = token;
    const created = await creator.request<{ id: string }>(urlB, 'POST', '/api/v1/series', { title: 'Made on B' });
    expect(created.status).toBe(201);
    const seenOnA = await creator.request<{ id: string; status: string }>(urlA, 'GET', `/api/v1/series/${created.body.id}`);
    expect(seenOnA.status).toBe(200);
    expect(seenOnA.body).toMatchObject({ id: created.body.id, status: 'draft' });

    const cookie = creator.cookieHeader();
    expect((await creator.request(urlB, 'POST', '/api/v1/auth/signout')).status).toBe(204);
    const afterSignout = await fetch(`${urlA}/api/v1/auth/me`, { headers: { cookie } });
    expect(((await afterSignout.json()) as SessionBody).user).toBeNull();
  });

  it('resumes on B where a viewer stopped on A, for an anonymous device and a signed-in user', async () => {
    const creator = new SessionClient();
    await creator.request(urlA, 'POST', '/api/v1/auth/signup', { email: email('studio'), password: PASSWORD, displayName: 'Studio', role: 'creator' });
    const series = await creator.request<{ id: string }>(urlA, 'POST', '/api/v1/series', { title: 'Across processes' });
    const episodeIds: string[] = [];
    for (const number of [1, 2]) {
      const episode = await creator.request<{ id: string }>(number === 1 ? urlA : urlB, 'POST', `/api/v1/series/${series.body.id}/episodes`, { number, title: `E${number}`, priceCoins: 0 });
      expect(episode.status).toBe(201);
      await direct.modules.catalog.service.setEpisodeMedia(episode.body.id, { status: 'ready', assetId: `ast_multi_${number}`, durationMs: 30_000 });
      expect((await creator.request(number === 1 ? urlB : urlA, 'POST', `/api/v1/episodes/${episode.body.id}/publish`)).status).toBe(200);
      episodeIds.push(episode.body.id);
    }
    expect((await creator.request(urlB, 'POST', `/api/v1/series/${series.body.id}/publish`)).status).toBe(200);
    const [ep1, ep2] = episodeIds;
    const entryFor = (feed: FeedBody) => feed.items.find((i) => i.series.id === series.body.id);

    const device = new SessionClient();
    await device.request(urlA, 'GET', '/api/v1/feed');
    expect(device.cookie('ds_did')).toMatch(/^dev_/);
    expect((await device.request(urlA, 'PUT', `/api/v1/episodes/${ep1}/progress`, { positionMs: 12_345 })).status).toBe(204);
    const onB = await device.request<FeedBody>(urlB, 'GET', '/api/v1/feed?limit=50');
    expect(entryFor(onB.body)).toMatchObject({ episode: { id: ep1 }, resumeAtMs: 12_345 });

    const viewer = new SessionClient();
    expect((await viewer.request(urlB, 'POST', '/api/v1/auth/signup', { email: email('viewer'), password: PASSWORD, displayName: 'Viewer', role: 'viewer' })).status).toBe(201);
    expect((await viewer.request(urlA, 'PUT', `/api/v1/episodes/${ep1}/progress`, { positionMs: 30_000 })).status).toBe(204);
    const next = await viewer.request<{ items: { episode: { id: string }; positionMs: number }[] }>(urlB, 'GET', '/api/v1/me/continue');
    expect(next.body.items[0]).toMatchObject({ episode: { id: ep2 }, positionMs: 0 });
    expect((await viewer.request(urlB, 'PUT', `/api/v1/episodes/${ep2}/progress`, { positionMs: 7_000 })).status).toBe(204);
    const onA = await viewer.request<FeedBody>(urlA, 'GET', '/api/v1/feed?limit=50');
    expect(entryFor(onA.body)).toMatchObject({ episode: { id: ep2 }, resumeAtMs: 7_000 });
  });

  it('finishes requests in flight on SIGTERM, exits 0 within 25 s, and B keeps serving', async () => {
    const viewerEmail = email('inflight');
    const viewer = new SessionClient();
    const signup = await viewer.request<SessionBody>(urlA, 'POST', '/api/v1/auth/signup', { email: viewerEmail, password: PASSWORD, displayName: 'In flight', role: 'viewer' });
    expect(signup.status).toBe(201);
    const device = new SessionClient();
    const feed = await device.request<FeedBody>(urlA, 'GET', '/api/v1/feed?limit=50');
    const episodeId = feed.body.items[0]?.episode.id;
    expect(episodeId).toBeDefined();
    const deviceCookie = { cookie: device.cookieHeader() };

    // Each of these has reached A (it answered 100 Continue) but is still waiting for its body;
    // their sockets stay open afterwards, as a browser's keep-alive connections do.
    const held = await Promise.all([
      holdRequest(urlA, 'POST', '/api/v1/auth/signin', { email: viewerEmail, password: PASSWORD }),
      holdRequest(urlA, 'POST', '/api/v1/auth/signin', { email: viewerEmail, password: PASSWORD }),
      holdRequest(urlA, 'POST', '/api/v1/auth/signin', { email: viewerEmail, password: PASSWORD }),
      holdRequest(urlA, 'PUT', `/api/v1/episodes/${episodeId}/progress`, { positionMs: 4_321 }, deviceCookie),
    ]);
    try {
      // And these race the signal: each must end in a proper answer or a refused connection.
      const racing = Array.from({ length: 6 }, () =>
        fetch(`${urlA}/api/v1/feed`).then(
          (r) => r.status,
          () => 'refused' as const,
        ),
      );
      a.signal('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      expect(a.exit, `A must wait for the requests it is serving:\n${tail(a.output(), 6)}`).toBeNull();

      const results = await Promise.all(held.map((h) => h.finish()));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 204]);
      for (const result of results.slice(0, 3)) expect((result.body as SessionBody).user?.id).toBe(signup.body.user?.id);
      for (const status of await Promise.all(racing)) expect([200, 503, 'refused']).toContain(status);

      const exit = await exitWithin(a, SHUTDOWN_DEADLINE_MS + 5_000);
      expect(exit, `A's last output lines:\n${tail(a.output(), 8)}`).toMatchObject({ code: 0 });
      expect(exit.afterMs).toBeLessThan(SHUTDOWN_DEADLINE_MS);
      expect(errorLogLines(a.output())).toEqual([]);
    } finally {
      for (const h of held) h.release();
    }

    expect((await fetch(`${urlB}/readyz`)).status).toBe(200);
    const resumed = await device.request<FeedBody>(urlB, 'GET', '/api/v1/feed?limit=50');
    expect(resumed.body.items.find((i) => i.episode.id === episodeId)?.resumeAtMs).toBe(4_321);
    expect((await viewer.request<SessionBody>(urlB, 'GET', '/api/v1/auth/me')).body.user?.id).toBe(signup.body.user?.id);
  });

  it('stops the worker on SIGTERM with exit code 0', async () => {
    expect(worker.exit).toBeNull();
    worker.signal('SIGTERM');
    const exit = await exitWithin(worker, SHUTDOWN_DEADLINE_MS + 5_000);
    expect(exit).toMatchObject({ code: 0 });
    expect(errorLogLines(worker.output())).toEqual([]);
  });
});
