import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { hashPassword, verifyPassword } from './password.ts';

describe('identity', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => t.close());

  it('hashes passwords with scrypt and verifies only the right one', async () => {
    const hash = await hashPassword('a long enough secret', 16384);
    expect(hash.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(await verifyPassword('a long enough secret', hash)).toBe(true);
    expect(await verifyPassword('a long enough secreT', hash)).toBe(false);
  });

  it('uses the OWASP scrypt cost by default', async () => {
    const { loadConfig } = await import('../../config.ts');
    expect(loadConfig({ DATA_DIR: t.dataDir }).auth.scryptCost).toBe(131072);
  });

  it('signs up a creator with a studio, sets an httpOnly session cookie and signs in again', async () => {
    const client = new TestClient(t.app);
    const response = await client.post('/api/v1/auth/signup', {
      email: 'Ada@Example.com',
      password: 'correct horse battery',
      displayName: 'Ada',
      role: 'creator',
    });
    expect(response.statusCode).toBe(201);
    const session = response.json<{ user: { id: string; email: string; role: string }; orgs: { kind: string }[]; csrfToken: string }>();
    expect(session.user.id).toMatch(/^usr_[0-9a-z]{26}$/);
    expect(session.user.email).toBe('ada@example.com');
    expect(session.orgs).toEqual([expect.objectContaining({ kind: 'studio', role: 'owner' })]);
    const cookie = response.cookies.find((c) => c.name === 'ds_sid');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');

    const me = await client.get('/api/v1/auth/me');
    expect(me.json<{ user: { id: string } }>().user.id).toBe(session.user.id);

    const other = new TestClient(t.app);
    const signin = await other.post('/api/v1/auth/signin', { email: 'ada@example.com', password: 'correct horse battery' });
    expect(signin.statusCode).toBe(200);
  });

  it('rejects a duplicate email and a wrong password with stable codes', async () => {
    const client = new TestClient(t.app);
    await client.signUp('viewer', 'dup@example.com');
    const again = await new TestClient(t.app).post('/api/v1/auth/signup', {
      email: 'DUP@example.com',
      password: 'correct horse battery',
      displayName: 'x',
      role: 'viewer',
    });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json<{ code: string }>().code).toBe('EMAIL_TAKEN');

    const wrong = await new TestClient(t.app).post('/api/v1/auth/signin', { email: 'dup@example.com', password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json<{ code: string }>().code).toBe('INVALID_CREDENTIALS');
    const unknown = await new TestClient(t.app).post('/api/v1/auth/signin', { email: 'nobody@example.com', password: 'whatever it is' });
    expect(unknown.json<{ code: string }>().code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses an invalid body with VALIDATION_FAILED and creates nothing', async () => {
    const response = await new TestClient(t.app).post('/api/v1/auth/signup', { email: 'short@example.com', password: 'short', displayName: 'x', role: 'admin' });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    const signin = await new TestClient(t.app).post('/api/v1/auth/signin', { email: 'short@example.com', password: 'short' });
    expect(signin.statusCode).toBe(401);
  });

  it('requires the CSRF header on cookie-authenticated writes, but not with a bearer token', async () => {
    const client = await new TestClient(t.app).signUp('creator');
    const csrf = client.csrfToken;
    client.csrfToken = null;
    const blocked = await client.post('/api/v1/series', { title: 'No CSRF' });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json<{ code: string }>().code).toBe('CSRF_TOKEN_INVALID');
    client.csrfToken = 'forged';
    expect((await client.post('/api/v1/series', { title: 'Forged CSRF' })).statusCode).toBe(403);
    client.csrfToken = csrf;
    const token = (await client.post('/api/v1/auth/tokens', { name: 'cli' })).json<{ token: string }>().token;
    expect(token).toMatch(/^dst_/);

    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/series',
      headers: { authorization: `Bearer ${token}` },
      payload: { title: 'Made with a token' },
    });
    expect(created.statusCode).toBe(201);
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/series', headers: { authorization: 'Bearer dst_wrong' }, payload: { title: 'x' } });
    expect(bad.statusCode).toBe(401);
  });

  it('signs out: the old session cookie no longer authenticates', async () => {
    const client = await new TestClient(t.app).signUp('viewer');
    const cookie = client.cookieHeader();
    expect((await client.post('/api/v1/auth/signout')).statusCode).toBe(204);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.json<{ user: unknown }>().user).toBeNull();
  });

  it('gives every visitor an anonymous device cookie', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    const device = response.cookies.find((c) => c.name === 'ds_did');
    expect(device?.value).toMatch(/^dev_[0-9a-z]{26}$/);
    expect(device?.httpOnly).toBe(true);
  });
});

describe('sign-in protection and continuity', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => t.close());

  it('locks an email out after 10 failed sign-ins, even with the right password next', async () => {
    await new TestClient(t.app).signUp('viewer', 'target@example.com');
    for (let i = 0; i < 10; i++) {
      const wrong = await new TestClient(t.app).post('/api/v1/auth/signin', { email: 'target@example.com', password: `wrong password ${i}` });
      expect(wrong.statusCode).toBe(401);
    }
    const locked = await new TestClient(t.app).post('/api/v1/auth/signin', { email: 'target@example.com', password: 'correct horse battery' });
    expect(locked.statusCode).toBe(429);
    expect(locked.json<{ code: string }>().code).toBe('RATE_LIMITED');
    expect(locked.cookies.find((c) => c.name === 'ds_sid')).toBeUndefined();
  });

  it('keeps what a device watched before signing in', async () => {
    const creator = await new TestClient(t.app).signUp('creator');
    const series = (await creator.post('/api/v1/series', { title: 'Continuity' })).json<{ id: string }>();
    const episode = (await creator.post(`/api/v1/series/${series.id}/episodes`, { number: 1, title: 'E1', priceCoins: 0 })).json<{ id: string }>();
    await t.platform.modules.catalog.service.setEpisodeMedia(episode.id, { status: 'ready', assetId: 'ast_1', durationMs: 60_000 });
    await creator.post(`/api/v1/episodes/${episode.id}/publish`);
    await creator.post(`/api/v1/series/${series.id}/publish`);

    const device = new TestClient(t.app);
    await device.get('/api/v1/auth/me');
    expect((await device.put(`/api/v1/episodes/${episode.id}/progress`, { positionMs: 42_000 })).statusCode).toBe(204);
    await device.signUp('viewer');
    const cont = (await device.get('/api/v1/me/continue')).json<{ items: { episode: { id: string }; positionMs: number }[] }>();
    expect(cont.items.map((item) => [item.episode.id, item.positionMs])).toEqual([[episode.id, 42_000]]);
  });
});
