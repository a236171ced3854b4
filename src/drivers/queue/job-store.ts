import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../db/types.ts';
import type { JobRecord } from './port.ts';
import { jobs } from './schema.ts';

/**
 * The SQL behind the database queue. Every time comes from the database's clock so that
 * workers on different machines agree on run_at and lease expiry.
 */

type JobRow = typeof jobs.$inferSelect;

/** The claim a worker holds: it may write the job only while this still matches the row. */
export interface Lease {
  jobId: string;
  workerId: string;
  /** attempts after the claim: a fencing token, since every claim increments it. */
  attempt: number;
}

const MAX_ERROR_LENGTH = 4000;

function after(ms: number): SQL {
  return sql`now() + (${Math.max(0, Math.round(ms))}::float8 * interval '1 millisecond')`;
}

export function toJobRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    queue: row.queue,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    progress: row.progress,
    lastError: row.lastError,
    runAt: row.runAt,
    finishedAt: row.finishedAt,
  };
}

export interface NewJob {
  queue: string;
  payload: Record<string, unknown>;
  delayMs: number;
  maxAttempts: number;
  dedupeKey: string | null;
}

export async function insertJob(db: DbOrTx, job: NewJob): Promise<string> {
  const inserted = await db
    .insert(jobs)
    .values({
      id: newId('job'),
      queue: job.queue,
      payload: job.payload,
      maxAttempts: job.maxAttempts,
      runAt: after(job.delayMs),
      dedupeKey: job.dedupeKey,
    })
    .onConflictDoNothing({ target: jobs.dedupeKey })
    .returning({ id: jobs.id });
  const id = inserted[0]?.id;
  if (id !== undefined) return id;
  if (job.dedupeKey === null) throw new Error('job insert returned no row');
  const existing = await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.dedupeKey, job.dedupeKey));
  const existingId = existing[0]?.id;
  if (existingId === undefined) throw new Error(`job with dedupe key ${job.dedupeKey} vanished during enqueue`);
  return existingId;
}

export async function findJob(db: Db, jobId: string): Promise<JobRecord | null> {
  const rows = await db.select().from(jobs).where(eq(jobs.id, jobId));
  const row = rows[0];
  return row ? toJobRecord(row) : null;
}

/**
 * Takes the next due job in one statement: a queued job whose time has come, or a running
 * job whose lease expired (its worker died). SKIP LOCKED lets concurrent workers pass over
 * rows another worker is claiming instead of waiting or double-claiming them.
 */
export async function claimJob(db: Db, queues: string[], workerId: string, leaseMs: number): Promise<JobRecord | null> {
  if (queues.length === 0) return null;
  const next = sql`(
    SELECT ${jobs.id} FROM ${jobs}
    WHERE ${inArray(jobs.queue, queues)}
      AND ((${jobs.status} = 'queued' AND ${jobs.runAt} <= now())
        OR (${jobs.status} = 'running' AND ${jobs.lockedUntil} < now()))
    ORDER BY ${jobs.runAt}, ${jobs.id}
    FOR UPDATE SKIP LOCKED
    LIMIT 1
  )`;
  const rows = await db
    .update(jobs)
    .set({
      status: 'running',
      attempts: sql`${jobs.attempts} + 1`,
      lockedBy: workerId,
      lockedUntil: after(leaseMs),
      updatedAt: sql`now()`,
    })
    .where(eq(jobs.id, next))
    .returning();
  const row = rows[0];
  return row ? toJobRecord(row) : null;
}

function held(lease: Lease): SQL | undefined {
  return and(
    eq(jobs.id, lease.jobId),
    eq(jobs.status, 'running'),
    eq(jobs.lockedBy, lease.workerId),
    eq(jobs.attempts, lease.attempt),
  );
}

/** Extends the lease; false when the lease was lost (expired and taken by another worker). */
export async function renewLease(db: Db, lease: Lease, leaseMs: number, progress?: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      lockedUntil: after(leaseMs),
      updatedAt: sql`now()`,
      ...(progress === undefined ? {} : { progress }),
    })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export async function completeJob(db: Db, lease: Lease): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      status: 'done',
      progress: 100,
      lockedBy: null,
      lockedUntil: null,
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export async function retryJob(db: Db, lease: Lease, error: string, delayMs: number): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      status: 'queued',
      runAt: after(delayMs),
      lockedBy: null,
      lockedUntil: null,
      lastError: error.slice(0, MAX_ERROR_LENGTH),
      updatedAt: sql`now()`,
    })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export async function buryJob(db: Db, lease: Lease, error: string): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      status: 'dead',
      lockedBy: null,
      lockedUntil: null,
      lastError: error.slice(0, MAX_ERROR_LENGTH),
      finishedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/**
 * Hands a job back at once because this worker is shutting down. The interrupted attempt is
 * not the job's fault, so it is not counted; a worker that crashes instead leaves the lease to
 * expire and that attempt does count, so a job that kills its worker still ends dead.
 */
export async function releaseJob(db: Db, lease: Lease): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      status: 'queued',
      attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
      runAt: sql`now()`,
      lockedBy: null,
      lockedUntil: null,
      updatedAt: sql`now()`,
    })
    .where(held(lease))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/**
 * Deletes up to `limit` jobs that finished successfully more than `olderThanMs` ago. Dead jobs stay
 * for an operator to read. Periodic jobs leave one done row per run, so without this the table grows
 * for ever.
 */
export async function purgeFinishedJobs(db: Db, olderThanMs: number, limit = 1000): Promise<number> {
  const due = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.status, 'done'), sql`${jobs.finishedAt} < now() - ${olderThanMs} * interval '1 millisecond'`))
    .limit(limit);
  const deleted = await db.delete(jobs).where(inArray(jobs.id, due)).returning({ id: jobs.id });
  return deleted.length;
}
