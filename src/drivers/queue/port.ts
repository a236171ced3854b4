import type { DbOrTx } from '../db/types.ts';

export type JobStatus = 'queued' | 'running' | 'done' | 'dead';

export interface JobRecord {
  id: string;
  queue: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  progress: number;
  lastError: string | null;
  runAt: Date;
  finishedAt: Date | null;
}

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  maxAttempts?: number;
  /** A second enqueue with the same key returns the first job's id. */
  dedupeKey?: string;
  /** Enqueue inside the caller's transaction so the job exists iff the caller commits. */
  tx?: DbOrTx;
}

export interface JobContext {
  job: JobRecord;
  /** 0..100; also renews the job's lease. */
  reportProgress(percent: number): Promise<void>;
  /** Aborted when the worker stops: finish the current step and return or throw. */
  signal: AbortSignal;
}

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<void>;

/** Thrown by a handler for a failure that retrying cannot fix: the job goes dead at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface WorkerOptions {
  concurrency?: number;
}

export interface Queue {
  enqueue(queue: string, payload: Record<string, unknown>, options?: EnqueueOptions): Promise<string>;
  get(jobId: string): Promise<JobRecord | null>;
  /** Registers a handler; jobs are processed after start(). */
  work(queue: string, handler: JobHandler, options?: WorkerOptions): void;
  start(): void;
  /** Stops claiming, aborts running handlers' signals and waits for them (bounded by timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
}
