import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import { idempotencyKeys } from './idempotency-schema.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const KEY_PATTERN = /^[\x21-\x7e]{8,255}$/;
/** An in-progress key older than this is taken to belong to a crashed process and may be claimed again. */
const DEFAULT_STALE_AFTER_MS = 5 * 60_000;

interface Claim {
  scope: string;
  key: string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (Buffer.isBuffer(value)) return `b64:${value.toString('base64')}`;
  return JSON.stringify(value) ?? 'undefined';
}

/** The request as far as sameness goes: method, path with its parameters, and the body. */
function requestHash(request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n`).update(canonicalJson(request.body)).digest('hex');
}

function scopeOf(request: FastifyRequest): string {
  const caller = request.caller;
  return caller.userId ? `user:${caller.userId}` : `viewer:${caller.viewerKey}`;
}

/**
 * `Idempotency-Key` for POSTs that move money or stock: put `preHandler` and `onSend` on the route.
 * The first request claims the key with one atomic INSERT … ON CONFLICT DO NOTHING; a retry with the
 * same request gets the stored response, another request under the key 422, and a retry while the
 * first is still running 409. A 5xx or a thrown first attempt releases the key so it can be retried.
 */
export function createIdempotency(deps: { db: Db; clock: Clock; staleAfterMs?: number }) {
  const { db, clock } = deps;
  const staleAfterMs = deps.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const claims = new WeakMap<FastifyRequest, Claim>();
  // Every money or stock POST runs these two: built once and prepared, not rebuilt per request.
  const insertClaim = db
    .insert(idempotencyKeys)
    .values({ scope: sql.placeholder('scope'), key: sql.placeholder('key'), route: sql.placeholder('route'), requestHash: sql.placeholder('requestHash'), createdAt: sql.placeholder('createdAt') })
    .onConflictDoNothing({ target: [idempotencyKeys.scope, idempotencyKeys.key] })
    .returning({ key: idempotencyKeys.key })
    .prepare('idempotency_claim');
  const storeResponse = db
    .update(idempotencyKeys)
    .set({
      status: 'done',
      responseStatus: sql`${sql.placeholder('responseStatus')}`,
      responseType: sql`${sql.placeholder('responseType')}`,
      responseBody: sql`${sql.placeholder('responseBody')}`,
      completedAt: sql`${sql.placeholder('completedAt')}`,
    })
    .where(and(eq(idempotencyKeys.scope, sql.placeholder('scope')), eq(idempotencyKeys.key, sql.placeholder('key')), eq(idempotencyKeys.status, 'in_progress')))
    .prepare('idempotency_store_response');

  async function claimStale(claim: Claim, route: string, hash: string): Promise<boolean> {
    const cutoff = new Date(clock.now().getTime() - staleAfterMs);
    const taken = await db
      .update(idempotencyKeys)
      .set({ createdAt: clock.now(), route, requestHash: hash })
      .where(
        and(
          eq(idempotencyKeys.scope, claim.scope),
          eq(idempotencyKeys.key, claim.key),
          eq(idempotencyKeys.status, 'in_progress'),
          eq(idempotencyKeys.requestHash, hash),
          lt(idempotencyKeys.createdAt, cutoff),
        ),
      )
      .returning({ key: idempotencyKeys.key });
    return taken.length > 0;
  }

  async function preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new AppError('IDEMPOTENCY_KEY_REQUIRED', 'Send an Idempotency-Key header of 8 to 255 visible ASCII characters (a UUID is ideal)');
    }
    const claim: Claim = { scope: scopeOf(request), key };
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const hash = requestHash(request);
    const inserted = await insertClaim.execute({ scope: claim.scope, key, route, requestHash: hash, createdAt: clock.now() });
    if (inserted.length > 0) {
      claims.set(request, claim);
      return undefined;
    }
    const [existing] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, claim.scope), eq(idempotencyKeys.key, key)));
    if (!existing) {
      // Released between our insert and read (its first attempt failed): the client should retry.
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this key just failed; retry it');
    }
    if (existing.requestHash !== hash) {
      throw new AppError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with another request');
    }
    if (existing.status === 'in_progress') {
      if (await claimStale(claim, route, hash)) {
        claims.set(request, claim);
        return undefined;
      }
      throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'The first request with this key is still running; retry shortly');
    }
    reply.header(REPLAYED_HEADER, 'true');
    if (existing.responseType) reply.type(existing.responseType);
    return reply.status(existing.responseStatus ?? 200).send(existing.responseBody ?? '');
  }

  async function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    const where = and(eq(idempotencyKeys.scope, claim.scope), eq(idempotencyKeys.key, claim.key), eq(idempotencyKeys.status, 'in_progress'));
    const storable = typeof payload === 'string' || Buffer.isBuffer(payload) || payload === null || payload === undefined;
    if (reply.statusCode >= 500 || !storable) {
      await db.delete(idempotencyKeys).where(where);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    await storeResponse.execute({
      scope: claim.scope,
      key: claim.key,
      responseStatus: reply.statusCode,
      responseType: typeof contentType === 'string' ? contentType : null,
      responseBody: payload === null || payload === undefined ? '' : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload,
      completedAt: clock.now(),
    });
    return payload;
  }

  return { preHandler, onSend };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
