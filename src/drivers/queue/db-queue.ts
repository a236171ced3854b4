import type { Logger } from 'pino';
import type { Db } from '../db/types.ts';
import { backoffDelayMs, type BackoffPolicy } from './backoff.ts';
import {
  buryJob,
  claimJob,
  completeJob,
  findJob,
  insertJob,
  purgeFinishedJobs,
  releaseJob,
  renewLease,
  retryJob,
  type Lease,
} from './job-store.ts';
import {
  PermanentJobError,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobRecord,
  type Queue,
  type WorkerOptions,
} from './port.ts';

export interface DbQueueOptions {
  pollIntervalMs: number;
  /** Names this process in locked_by; must differ between processes sharing the database. */
  workerId: string;
  log?: Logger;
  /** How long a claimed job stays ours without a heartbeat before another worker may take it. */
  leaseMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Done jobs older than this are deleted by running workers (default 7 days). */
  retentionMs?: number;
  /** How often a worker looks for such jobs (default 10 minutes). */
  purgeEveryMs?: number;
}

interface Registration {
  handler: JobHandler;
  concurrency: number;
  running: number;
}

interface RunningJob {
  lease: Lease;
  controller: AbortController;
  heartbeat: NodeJS.Timeout | null;
  finished: Promise<void>;
  /** Once set, the row is no longer ours (handed back or taken over): never write it again. */
  relinquished: boolean;
  /** The handler has returned; only the outcome is still being written. */
  settling: boolean;
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_BACKOFF_BASE_MS = 1_000;
const DEFAULT_BACKOFF_MAX_MS = 10 * 60_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_STOP_TIMEOUT_MS = 20_000;
const DEFAULT_RETENTION_MS = 7 * 86_400_000;
const DEFAULT_PURGE_EVERY_MS = 10 * 60_000;

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** Durable jobs in the `jobs` table, claimed with FOR UPDATE SKIP LOCKED so workers never share one. */
export function createDbQueue(db: Db, options: DbQueueOptions): Queue {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const backoff: BackoffPolicy = {
    baseMs: options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
    maxMs: options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
  };
  const heartbeatMs = Math.max(10, Math.floor(leaseMs / 3));
  const { workerId, log } = options;
  const registrations = new Map<string, Registration>();
  const running = new Set<RunningJob>();

  let stopping = false;
  let loop: Promise<void> | null = null;
  let woken = false;
  let wakeSleeper: (() => void) | null = null;

  function wake(): void {
    woken = true;
    const sleeper = wakeSleeper;
    wakeSleeper = null;
    sleeper?.();
  }

  function pause(ms: number): Promise<void> {
    if (woken) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        if (wakeSleeper === done) wakeSleeper = null;
        woken = false;
        resolve();
      }
      wakeSleeper = done;
    });
  }

  function queuesWithRoom(): string[] {
    const names: string[] = [];
    for (const [name, registration] of registrations) {
      if (registration.running < registration.concurrency) names.push(name);
    }
    return names;
  }

  async function settle(entry: RunningJob, job: JobRecord, outcome: { ok: true } | { ok: false; error: unknown }): Promise<void> {
    const { lease } = entry;
    if (outcome.ok) {
      if (!(await completeJob(db, lease))) log?.warn({ jobId: job.id }, 'job finished after its lease was lost');
      return;
    }
    const { error } = outcome;
    const message = describeError(error);
    if (stopping && entry.controller.signal.aborted && !(error instanceof PermanentJobError)) {
      await releaseJob(db, lease);
      return;
    }
    if (error instanceof PermanentJobError || lease.attempt >= job.maxAttempts) {
      log?.error({ jobId: job.id, queue: job.queue, attempt: lease.attempt, err: error }, 'job is dead');
      await buryJob(db, lease, message);
      return;
    }
    const delayMs = backoffDelayMs(lease.attempt, backoff);
    log?.warn({ jobId: job.id, queue: job.queue, attempt: lease.attempt, delayMs, err: error }, 'job failed; will retry');
    await retryJob(db, lease, message, delayMs);
  }

  function loseLease(entry: RunningJob): void {
    if (entry.relinquished) return;
    entry.relinquished = true;
    if (entry.heartbeat) clearInterval(entry.heartbeat);
    entry.heartbeat = null;
    entry.controller.abort(new Error('the job lease was lost to another worker'));
    log?.warn({ jobId: entry.lease.jobId }, 'job lease lost');
  }

  async function runJob(job: JobRecord, registration: Registration, entry: RunningJob): Promise<void> {
    const { lease } = entry;
    let lastProgress = job.progress;
    entry.heartbeat = setInterval(() => {
      renewLease(db, lease, leaseMs).then(
        (held) => {
          if (!held) loseLease(entry);
        },
        (error: unknown) => log?.warn({ jobId: job.id, err: error }, 'job heartbeat failed'),
      );
    }, heartbeatMs);
    const context: JobContext = {
      job,
      signal: entry.controller.signal,
      reportProgress: async (percent: number) => {
        const progress = Math.max(0, Math.min(100, Math.round(percent)));
        if (entry.relinquished || progress === lastProgress) return;
        lastProgress = progress;
        if (!(await renewLease(db, lease, leaseMs, progress))) loseLease(entry);
      },
    };
    let outcome: { ok: true } | { ok: false; error: unknown };
    try {
      await registration.handler(job.payload, context);
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      if (entry.heartbeat) clearInterval(entry.heartbeat);
      entry.heartbeat = null;
      entry.settling = true;
    }
    if (entry.relinquished) return;
    try {
      await settle(entry, job, outcome);
    } catch (error) {
      // The lease will expire and another worker will run the job again: at-least-once.
      log?.error({ jobId: job.id, err: error }, 'could not record the job outcome');
    }
  }

  function launch(job: JobRecord, registration: Registration): void {
    const lease: Lease = { jobId: job.id, workerId, attempt: job.attempts };
    const entry: RunningJob = {
      lease,
      controller: new AbortController(),
      heartbeat: null,
      finished: Promise.resolve(),
      relinquished: false,
      settling: false,
    };
    registration.running += 1;
    running.add(entry);
    entry.finished = (async () => {
      try {
        if (job.attempts > job.maxAttempts) {
          // Only a crashed worker's expired lease gets a job here: it keeps killing workers.
          await buryJob(db, lease, job.lastError ?? 'the worker running this job stopped responding too many times');
          return;
        }
        await runJob(job, registration, entry);
      } catch (error) {
        log?.error({ jobId: job.id, err: error }, 'job bookkeeping failed');
      } finally {
        registration.running -= 1;
        running.delete(entry);
        wake();
      }
    })();
  }

  // Process time, not a clock port: only how often this worker sweeps depends on it.
  let lastPurgeAt = 0;
  async function purgeIfDue(): Promise<void> {
    const every = options.purgeEveryMs ?? DEFAULT_PURGE_EVERY_MS;
    if (Date.now() - lastPurgeAt < every) return;
    lastPurgeAt = Date.now();
    try {
      const purged = await purgeFinishedJobs(db, options.retentionMs ?? DEFAULT_RETENTION_MS);
      if (purged > 0) log?.info({ purged }, 'deleted old finished jobs');
    } catch (error) {
      log?.warn({ err: error }, 'deleting old finished jobs failed');
    }
  }

  async function pollLoop(): Promise<void> {
    while (!stopping) {
      await purgeIfDue();
      const queues = queuesWithRoom();
      if (queues.length === 0) {
        await pause(options.pollIntervalMs);
        continue;
      }
      let job: JobRecord | null;
      try {
        job = await claimJob(db, queues, workerId, leaseMs);
      } catch (error) {
        log?.error({ err: error }, 'claiming a job failed');
        await pause(options.pollIntervalMs);
        continue;
      }
      if (!job) {
        await pause(options.pollIntervalMs);
        continue;
      }
      const registration = registrations.get(job.queue);
      if (stopping || !registration) {
        await releaseJob(db, { jobId: job.id, workerId, attempt: job.attempts }).catch((error: unknown) => {
          log?.error({ jobId: job.id, err: error }, 'could not release a job');
        });
        continue;
      }
      launch(job, registration);
    }
  }

  return {
    async enqueue(queue: string, payload: Record<string, unknown>, enqueueOptions: EnqueueOptions = {}): Promise<string> {
      const delayMs = enqueueOptions.delayMs ?? 0;
      const maxAttempts = enqueueOptions.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      if (queue === '') throw new RangeError('queue name must not be empty');
      if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError(`delayMs must be >= 0, got ${delayMs}`);
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);
      const id = await insertJob(enqueueOptions.tx ?? db, {
        queue,
        payload,
        delayMs,
        maxAttempts,
        dedupeKey: enqueueOptions.dedupeKey ?? null,
      });
      if (delayMs === 0 && registrations.has(queue)) wake();
      return id;
    },

    get(jobId: string): Promise<JobRecord | null> {
      return findJob(db, jobId);
    },

    work(queue: string, handler: JobHandler, workerOptions: WorkerOptions = {}): void {
      const concurrency = workerOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
      if (registrations.has(queue)) throw new Error(`queue ${queue} already has a handler`);
      registrations.set(queue, { handler, concurrency, running: 0 });
      wake();
    },

    start(): void {
      if (loop) return;
      stopping = false;
      loop = pollLoop();
    },

    async stop(timeoutMs: number = DEFAULT_STOP_TIMEOUT_MS): Promise<void> {
      stopping = true;
      wake();
      await loop;
      loop = null;
      const inFlight = [...running];
      for (const entry of inFlight) entry.controller.abort(new Error('the worker is stopping'));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.allSettled(inFlight.map((entry) => entry.finished)), deadline]);
      clearTimeout(timer);
      // Handlers that ignored the signal: hand their jobs back so another worker starts them now.
      const recording: Promise<void>[] = [];
      for (const entry of [...running]) {
        if (entry.settling) {
          recording.push(entry.finished);
          continue;
        }
        entry.relinquished = true;
        if (entry.heartbeat) clearInterval(entry.heartbeat);
        entry.heartbeat = null;
        try {
          await releaseJob(db, entry.lease);
          log?.warn({ jobId: entry.lease.jobId }, 'released a job whose handler did not stop in time');
        } catch (error) {
          log?.error({ jobId: entry.lease.jobId, err: error }, 'could not release a job; its lease will expire');
        }
      }
      await Promise.allSettled(recording);
    },
  };
}
