import type { Clock } from '../../core/clock.ts';
import { createPeriodicJob } from '../../drivers/queue/periodic.ts';
import type { Orders } from './orders.ts';
import type { OrderStock } from './ports.ts';

export const ORDER_EXPIRY_QUEUE = 'order-expiry';

/** Cancels unpaid orders past their reservation, once per `intervalMs` however many workers run. */
export function createOrderExpiryJob(deps: { orders: Orders; stock: OrderStock; clock: Clock; intervalMs: number }) {
  const { orders, clock } = deps;
  return createPeriodicJob({
    queueName: ORDER_EXPIRY_QUEUE,
    intervalMs: deps.intervalMs,
    clock,
    async sweep(ctx) {
      while (!ctx.signal.aborted) {
        if ((await orders.expireDue(clock.now())) === 0) break;
      }
      while (!ctx.signal.aborted) {
        const released = await deps.stock.releaseExpired(clock.now(), 100);
        await orders.cancelReleased(released);
        if (released.length === 0) break;
      }
    },
  });
}
