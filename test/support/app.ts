import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildHttpApp, closePlatform, createPlatform, type Platform } from '../../src/app.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { HttpApp } from '../../src/http/types.ts';
import { createFreshPostgresDatabase, testPostgresUrl } from './db.ts';

export interface TestPlatform {
  platform: Platform;
  app: HttpApp;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
}

/** The real platform (all modules, real drivers) on a fresh database and a temp data dir. */
export async function startTestPlatform(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ds-test-'));
  const adminUrl = testPostgresUrl();
  const fresh = adminUrl ? await createFreshPostgresDatabase(adminUrl) : null;
  const config = loadConfig({
    DATA_DIR: dataDir,
    SCRYPT_COST: '16384',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    SEED_DEMO: 'false',
    WORKER_POLL_MS: '50',
    WEB_DIR: join(dataDir, 'no-web'),
    ...(fresh ? { DATABASE_URL: fresh.url } : {}),
    ...env,
  });
  const platform = await createPlatform(config, { inMemoryDatabase: !fresh, ...(options.clock ? { clock: options.clock } : {}) });
  const app = await buildHttpApp(platform);
  await app.ready();
  return {
    platform,
    app,
    config,
    dataDir,
    close: async () => {
      await app.close();
      await closePlatform(platform);
      await fresh?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

type Body = Record<string, unknown> | unknown[] | undefined;

/** A cookie-keeping client over app.inject that sends the CSRF header like the web app does. */
export class TestClient {
  private cookies = new Map<string, string>();
  csrfToken: string | null = null;
  userId: string | null = null;
  orgIds: string[] = [];

  constructor(private readonly app: HttpApp) {}

  async request(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: Body, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method,
      url,
      headers: {
        ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(this.csrfToken && method !== 'GET' ? { 'x-csrf-token': this.csrfToken } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: body } : {}),
    });
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get(url: string) {
    return this.request('GET', url);
  }
  post(url: string, body?: Body) {
    return this.request('POST', url, body ?? {});
  }
  put(url: string, body?: Body) {
    return this.request('PUT', url, body ?? {});
  }
  patch(url: string, body?: Body) {
    return this.request('PATCH', url, body ?? {});
  }
  delete(url: string) {
    return this.request('DELETE', url);
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async signUp(role: 'viewer' | 'creator' | 'merchant', email = `${role}-${Math.random().toString(36).slice(2)}@example.com`): Promise<this> {
    const response = await this.post('/api/v1/auth/signup', { email, password: 'correct horse battery', displayName: `Test ${role}`, role });
    if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
    const session = response.json<{ user: { id: string }; orgs: { id: string }[]; csrfToken: string }>();
    this.csrfToken = session.csrfToken;
    this.userId = session.user.id;
    this.orgIds = session.orgs.map((o) => o.id);
    return this;
  }
}
