import type { Clock } from '../../core/clock.ts';
import type { JobContext, Queue } from '../../drivers/queue/port.ts';
import type { Orders } from './orders.ts';
import type { OrderStock } from './ports.ts';

export const ORDER_EXPIRY_QUEUE = 'order-expiry';

/**
 * Cancels unpaid orders past their reservation, as a self-rescheduling chain of jobs, one per slot
 * of `intervalMs`. The slot is in the dedupe key, so every worker that starts (and every retry)
 * enqueues the same job for a slot: N workers sweep once per slot, and the chain never forks.
 */
export function createOrderExpiryJob(deps: { orders: Orders; stock: OrderStock; clock: Clock; intervalMs: number }) {
  const { orders, clock, intervalMs } = deps;
  const slotOf = (at: Date) => Math.floor(at.getTime() / intervalMs);

  function schedule(queue: Queue, slot: number): Promise<string> {
    // Capped at one interval so a clock far from the database's cannot push the next run out of reach.
    const delayMs = Math.min(intervalMs, Math.max(0, slot * intervalMs - clock.now().getTime()));
    return queue.enqueue(ORDER_EXPIRY_QUEUE, { slot }, { dedupeKey: `${ORDER_EXPIRY_QUEUE}:${slot}`, delayMs });
  }

  async function run(queue: Queue, payload: Record<string, unknown>, ctx: JobContext): Promise<void> {
    const slot = typeof payload.slot === 'number' && Number.isSafeInteger(payload.slot) ? payload.slot : slotOf(clock.now());
    // The next link first: a sweep that keeps failing must not end the chain.
    await schedule(queue, Math.max(slot + 1, slotOf(clock.now()) + 1));
    while (!ctx.signal.aborted) {
      if ((await orders.expireDue(clock.now())) === 0) break;
    }
    while (!ctx.signal.aborted) {
      const released = await deps.stock.releaseExpired(clock.now(), 100);
      await orders.cancelReleased(released);
      if (released.length === 0) break;
    }
  }

  return {
    async register(queue: Queue): Promise<void> {
      queue.work(ORDER_EXPIRY_QUEUE, (payload, ctx) => run(queue, payload, ctx));
      await schedule(queue, slotOf(clock.now()));
    },
  };
}
