import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionClient } from './support/http-client.ts';
import { documentedRoutes, openApiSchemaErrors, pathParameterErrors, registeredApiRoutes, type OpenApiDocument } from './support/openapi.ts';
import { errorLogLines, exitWithin, freePort, killAll, spawnMain, tail, waitForOk, type AppProcess } from './support/processes.ts';

// The issue asks for a server that answers within 10 s of being started, on the embedded defaults.
const HEALTHZ_DEADLINE_MS = 10_000;
const SHUTDOWN_DEADLINE_MS = 25_000;

describe('dualstream all: start, document, stop and restart on PGlite', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let baseUrl: string;
  let first: AppProcess;
  let healthyAfterMs: number;
  const email = `persist-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ds-start-'));
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // No DATABASE_URL: the embedded default, whatever the test run has in its environment.
    env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', SCRYPT_COST: '16384', LOG_LEVEL: 'info' };
    first = spawnMain('all #1', 'all', env);
    healthyAfterMs = (await waitForOk(`${baseUrl}/healthz`, first, 120_000)) - first.startedAt;
    const readyAfterMs = (await waitForOk(`${baseUrl}/readyz`, first, 120_000)) - first.startedAt;
    console.info(`fresh DATA_DIR: /healthz answered ${Math.round(healthyAfterMs)} ms, /readyz ${Math.round(readyAfterMs)} ms after spawn`);
  });

  afterAll(async () => {
    await killAll();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`answers /healthz within ${HEALTHZ_DEADLINE_MS / 1000} s of being spawned`, async () => {
    expect(healthyAfterMs).toBeLessThan(HEALTHZ_DEADLINE_MS);
    const response = await fetch(`${baseUrl}/healthz`);
    expect(await response.json()).toMatchObject({ ok: true });
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
  });

  it('serves a valid OpenAPI 3.1 document that covers every /api/v1 route', async () => {
    const response = await fetch(`${baseUrl}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApiDocument;
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(await openApiSchemaErrors(document)).toEqual([]);
    expect(pathParameterErrors(document)).toEqual([]);

    const registered = await registeredApiRoutes(join(dataDir, 'routes-probe'));
    // A parser that found nothing would make the next check pass vacuously.
    expect(registered.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /api/v1/feed', 'POST /api/v1/auth/signup', 'GET /api/v1/series/{id}']));
    const documented = documentedRoutes(document);
    const missing = registered.map((r) => `${r.method} ${r.path}`).filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('stops on SIGTERM with exit code 0, and a restart on the same DATA_DIR keeps the data', async () => {
    const user = new SessionClient();
    const signup = await user.request<{ user: { id: string } }>(baseUrl, 'POST', '/api/v1/auth/signup', { email, password, displayName: 'Persisted', role: 'creator' });
    expect(signup.status).toBe(201);
    const series = await user.request<{ id: string }>(baseUrl, 'POST', '/api/v1/series', { title: 'Survives restarts' });
    expect(series.status).toBe(201);

    first.signal('SIGTERM');
    const exit = await exitWithin(first, SHUTDOWN_DEADLINE_MS + 5_000);
    expect(exit, tail(first.output(), 8)).toMatchObject({ code: 0 });
    expect(exit.afterMs).toBeLessThan(SHUTDOWN_DEADLINE_MS);
    expect(errorLogLines(first.output())).toEqual([]);

    const second = spawnMain('all #2', 'all', env);
    console.info(`restart: /healthz answered ${Math.round((await waitForOk(`${baseUrl}/healthz`, second, 120_000)) - second.startedAt)} ms after spawn`);
    await waitForOk(`${baseUrl}/readyz`, second, 120_000);
    const again = new SessionClient();
    const signin = await again.request<{ user: { id: string } }>(baseUrl, 'POST', '/api/v1/auth/signin', { email, password });
    expect(signin.status).toBe(200);
    expect(signin.body.user.id).toBe(signup.body.user.id);
    const mine = await again.request<{ items: { id: string }[] }>(baseUrl, 'GET', '/api/v1/studio/series');
    expect(mine.body.items.map((s) => s.id)).toEqual([series.body.id]);

    second.signal('SIGTERM');
    expect(await exitWithin(second, SHUTDOWN_DEADLINE_MS + 5_000), tail(second.output(), 8)).toMatchObject({ code: 0 });
  });
});
