import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { isAppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { PermanentJobError, type Queue } from '../../drivers/queue/port.ts';
import type { OrderPayments } from './ports.ts';
import { orderRefunds, type RefundLineRequest } from './schema.ts';

export const ORDER_REFUND_QUEUE = 'order-refunds';
const MAX_ATTEMPTS = 8;

export interface RefundRecord {
  orderId: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
  reason: 'merchant' | 'late_payment';
  lines: RefundLineRequest[];
}

/**
 * An outbox for money going back: the refund row and its job are written in the transaction that
 * changes the order, and the job asks the provider afterwards (never inside a payment event's
 * transaction, whose payment is not committed yet). The row id is the provider's refund reference,
 * so a retried job refunds once.
 */
export function createRefunds(deps: { db: Db; queue: Queue; clock: Clock; payments: OrderPayments; log: Logger }) {
  const { db, clock } = deps;

  async function record(tx: DbOrTx, input: RefundRecord): Promise<string> {
    const id = newId('orderRefund');
    const now = clock.now();
    await tx.insert(orderRefunds).values({ id, ...input, createdAt: now, updatedAt: now });
    await deps.queue.enqueue(ORDER_REFUND_QUEUE, { refundId: id }, { tx, maxAttempts: MAX_ATTEMPTS, dedupeKey: `${ORDER_REFUND_QUEUE}:${id}` });
    return id;
  }

  async function run(refundId: string, lastAttempt: boolean): Promise<void> {
    const [row] = await db.select().from(orderRefunds).where(eq(orderRefunds.id, refundId));
    if (!row || row.status !== 'pending') return;
    try {
      const created = await deps.payments.refund(row.paymentId, row.amountMinor, row.id);
      await db
        .update(orderRefunds)
        .set({ status: 'requested', providerRefundId: created.providerRefundId, lastError: null, updatedAt: clock.now() })
        .where(and(eq(orderRefunds.id, row.id), eq(orderRefunds.status, 'pending')));
      deps.log.info({ refundId, orderId: row.orderId, amountMinor: row.amountMinor, reason: row.reason }, 'order refund requested from the provider');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A refused refund (4xx) will be refused again; anything else may pass on a retry.
      const permanent = isAppError(error) && error.status < 500;
      if (permanent || lastAttempt) {
        await db.update(orderRefunds).set({ status: 'failed', lastError: message, updatedAt: clock.now() }).where(eq(orderRefunds.id, row.id));
        deps.log.error({ refundId, orderId: row.orderId, paymentId: row.paymentId, err: error }, 'order refund failed; needs an operator');
        throw new PermanentJobError(message);
      }
      await db.update(orderRefunds).set({ lastError: message, updatedAt: clock.now() }).where(eq(orderRefunds.id, row.id));
      throw error;
    }
  }

  /** The provider confirmed a refund whose reference is one of ours (in the event's transaction). */
  async function confirmed(tx: DbOrTx, refundReference: string): Promise<void> {
    await tx.update(orderRefunds).set({ status: 'succeeded', updatedAt: clock.now() }).where(eq(orderRefunds.id, refundReference));
  }

  async function ofOrder(orderId: string) {
    return db.select().from(orderRefunds).where(eq(orderRefunds.orderId, orderId));
  }

  return {
    record,
    confirmed,
    ofOrder,
    registerJobs(queue: Queue): void {
      queue.work(ORDER_REFUND_QUEUE, async (payload, ctx) => {
        if (typeof payload.refundId === 'string') await run(payload.refundId, ctx.job.attempts >= ctx.job.maxAttempts);
      });
    },
  };
}

export type Refunds = ReturnType<typeof createRefunds>;
