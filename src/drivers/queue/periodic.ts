import type { Clock } from '../../core/clock.ts';
import type { JobContext, Queue } from './port.ts';

export interface PeriodicJobOptions {
  queueName: string;
  intervalMs: number;
  clock: Clock;
  /** One run's work; `ctx.signal` asks a long sweep to stop. */
  sweep: (ctx: JobContext) => Promise<void>;
  maxAttempts?: number;
}

/**
 * A sweep run once per time slot of `intervalMs` by a self-rescheduling chain of jobs. The slot
 * number is in the dedupe key, so every worker that starts (and every retry of a run) enqueues the
 * same job for a slot, never a second one: N workers sweep once per slot, and the chain never forks.
 */
export function createPeriodicJob(options: PeriodicJobOptions) {
  const { queueName, intervalMs, clock } = options;
  const slotOf = (at: Date) => Math.floor(at.getTime() / intervalMs);

  /** Enqueues the job for `slot`, due at the slot's start (at once if that has passed). */
  function schedule(queue: Queue, slot: number): Promise<string> {
    // Capped at one interval so a clock far from the database's cannot push the next run out of reach.
    const delayMs = Math.min(intervalMs, Math.max(0, slot * intervalMs - clock.now().getTime()));
    return queue.enqueue(queueName, { slot }, { dedupeKey: `${queueName}:${slot}`, delayMs, ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}) });
  }

  async function run(queue: Queue, payload: Record<string, unknown>, ctx: JobContext): Promise<void> {
    const slot = typeof payload.slot === 'number' && Number.isSafeInteger(payload.slot) ? payload.slot : slotOf(clock.now());
    // The next link first: a sweep that fails until its job is dead must not end the chain.
    await schedule(queue, Math.max(slot + 1, slotOf(clock.now()) + 1));
    await options.sweep(ctx);
  }

  return {
    /** Registers the handler and enqueues the current slot's sweep (a no-op if it already exists). */
    async register(queue: Queue): Promise<void> {
      queue.work(queueName, (payload, ctx) => run(queue, payload, ctx));
      await schedule(queue, slotOf(clock.now()));
    },
  };
}
