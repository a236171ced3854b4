import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { fixedClock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Caller } from './context.ts';
import { createIdempotency } from './idempotency.ts';
import { installProblemHandlers } from './problem.ts';

function callerFor(userId: string): Caller {
  return { userId, role: 'viewer', deviceId: 'dev', viewerKey: userId, via: 'token', csrfToken: null };
}

describe('Idempotency-Key', () => {
  let database: TestDatabase;
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  const executions = new Map<string, number>();
  let failNext = 0;
  let hold: Promise<void> | null = null;
  const clock = fixedClock(new Date('2026-11-26T05:00:00Z'));

  beforeAll(async () => {
    database = await openTestDatabase();
    const idempotency = createIdempotency({ db: database.db, clock });
    installProblemHandlers(app);
    app.decorateRequest('caller', null as unknown as Caller);
    app.addHook('onRequest', async (request) => {
      request.caller = callerFor(String(request.headers['x-user'] ?? 'usr_a'));
    });
    app.post(
      '/orders',
      { preHandler: idempotency.preHandler, onSend: idempotency.onSend, schema: { body: Type.Object({ sku: Type.String(), qty: Type.Integer() }) } },
      async (request, reply) => {
        const key = String(request.headers['idempotency-key']);
        executions.set(key, (executions.get(key) ?? 0) + 1);
        await sleep(15);
        if (hold && key.startsWith('key-stuck')) await hold;
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('the database fell over');
        }
        if (request.body.qty > 100) throw new AppError('INSUFFICIENT_STOCK', 'Not that many');
        return reply.status(201).send({ orderId: `ord_${key}_${executions.get(key)}`, sku: request.body.sku, qty: request.body.qty });
      },
    );
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const post = (key: string | null, body: Record<string, unknown>, user = 'usr_a') =>
    app.inject({ method: 'POST', url: '/orders', payload: body, headers: { 'x-user': user, ...(key ? { 'idempotency-key': key } : {}) } });

  it('runs 50 keys × 20 concurrent duplicates exactly 50 times, and replays the first response', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `key-concurrent-${i}`);
    const responses = await Promise.all(keys.flatMap((key) => Array.from({ length: 20 }, () => post(key, { sku: 'sku_1', qty: 2 }).then((r) => ({ key, r })))));
    const total = [...executions.entries()].filter(([k]) => k.startsWith('key-concurrent-')).reduce((sum, [, n]) => sum + n, 0);
    expect(total).toBe(50);
    for (const { r } of responses) expect([201, 409]).toContain(r.statusCode);
    for (const key of keys) {
      const first = responses.find((x) => x.key === key && x.r.statusCode === 201 && x.r.headers['idempotent-replayed'] === undefined);
      expect(first).toBeDefined();
      const replay = await post(key, { qty: 2, sku: 'sku_1' });
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json()).toEqual(first?.r.json());
    }
    expect(executions.get('key-concurrent-0')).toBe(1);
  }, 180_000);

  it('answers 422 to the same key with another body, without running the handler', async () => {
    expect((await post('key-reuse-1', { sku: 'sku_1', qty: 1 })).statusCode).toBe(201);
    const reused = await post('key-reuse-1', { sku: 'sku_1', qty: 3 });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(executions.get('key-reuse-1')).toBe(1);
  });

  it('scopes keys per caller', async () => {
    expect((await post('key-scope-1', { sku: 'x', qty: 1 }, 'usr_a')).statusCode).toBe(201);
    const other = await post('key-scope-1', { sku: 'y', qty: 1 }, 'usr_b');
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(executions.get('key-scope-1')).toBe(2);
  });

  it('replays a 4xx outcome but releases the key after a 5xx', async () => {
    const refused = await post('key-4xx-0001', { sku: 'x', qty: 500 });
    expect(refused.statusCode).toBe(409);
    const again = await post('key-4xx-0001', { sku: 'x', qty: 500 });
    expect(again.statusCode).toBe(409);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(executions.get('key-4xx-0001')).toBe(1);

    failNext = 1;
    expect((await post('key-5xx-0001', { sku: 'x', qty: 1 })).statusCode).toBe(500);
    const retried = await post('key-5xx-0001', { sku: 'x', qty: 1 });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(executions.get('key-5xx-0001')).toBe(2);
  });

  it('lets a retry take over a key whose first request has been in progress for over 5 minutes', async () => {
    let release = (): void => undefined;
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stuck = post('key-stuck-0001', { sku: 'x', qty: 1 });
    await sleep(100);
    expect((await post('key-stuck-0001', { sku: 'x', qty: 1 })).statusCode).toBe(409);
    clock.advance(5 * 60_000 + 1);
    hold = null;
    const takeover = await post('key-stuck-0001', { sku: 'x', qty: 1 });
    expect(takeover.statusCode).toBe(201);
    expect(takeover.headers['idempotent-replayed']).toBeUndefined();
    release();
    await stuck;
    const replay = await post('key-stuck-0001', { sku: 'x', qty: 1 });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(takeover.json());
  });

  it('requires the header', async () => {
    const response = await post(null, { sku: 'x', qty: 1 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED' });
  });
});
