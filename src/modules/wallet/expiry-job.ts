import type { Clock } from '../../core/clock.ts';
import type { JobContext, Queue } from '../../drivers/queue/port.ts';
import type { WalletService } from './service.ts';

export const BONUS_EXPIRY_QUEUE = 'wallet-bonus-expiry';

/**
 * Bonus expiry as a self-rescheduling chain of jobs, one per time slot of `intervalMs`. The slot
 * number is in the dedupe key, so every worker that starts (or every retry of a run) enqueues the
 * same job for a slot, never a second one: N workers sweep once per slot, not N times.
 */
export function createBonusExpiryJob(deps: { wallet: WalletService; clock: Clock; intervalMs: number }) {
  const { wallet, clock, intervalMs } = deps;

  const slotOf = (at: Date) => Math.floor(at.getTime() / intervalMs);

  /** Enqueues the job for `slot`, due at the slot's start (at once if that has passed). */
  function schedule(queue: Queue, slot: number): Promise<string> {
    // Capped at one interval so a clock far from the database's cannot push the next run out of reach.
    const delayMs = Math.min(intervalMs, Math.max(0, slot * intervalMs - clock.now().getTime()));
    return queue.enqueue(BONUS_EXPIRY_QUEUE, { slot }, { dedupeKey: `${BONUS_EXPIRY_QUEUE}:${slot}`, delayMs });
  }

  async function run(queue: Queue, payload: Record<string, unknown>, ctx: JobContext): Promise<void> {
    const slot = typeof payload.slot === 'number' && Number.isSafeInteger(payload.slot) ? payload.slot : slotOf(clock.now());
    // The next link first: a sweep that fails until its job is dead must not end the chain.
    await schedule(queue, Math.max(slot + 1, slotOf(clock.now()) + 1));
    // expireBonus takes a bounded batch per call; keep going until nothing due is left.
    while (!ctx.signal.aborted) {
      const swept = await wallet.expireBonus(clock.now());
      if (swept.lots === 0) break;
    }
  }

  return {
    /** Registers the handler and enqueues the current slot's sweep (a no-op if it already exists). */
    async register(queue: Queue): Promise<void> {
      queue.work(BONUS_EXPIRY_QUEUE, (payload, ctx) => run(queue, payload, ctx));
      await schedule(queue, slotOf(clock.now()));
    },
  };
}
