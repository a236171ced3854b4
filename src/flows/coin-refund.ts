import { Type } from '@sinclair/typebox';
import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Db } from '../drivers/db/types.ts';
import type { Queue } from '../drivers/queue/port.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { PaymentsService } from '../modules/payments/service.ts';
import type { WalletService } from '../modules/wallet/service.ts';
import { COIN_PACK_PURPOSE, packIdOfReference } from './top-up.ts';

/** How long after paying a viewer may take an unused pack back. */
export const COIN_REFUND_WINDOW_MS = 14 * 24 * 3600_000;
export const COIN_REFUND_QUEUE = 'coin-pack-refunds';

export interface CoinRefundResult {
  paymentId: string;
  coins: number;
  bonus: number;
  amountMinor: number;
  currency: string;
  /** The coins are gone at once; the money follows when the provider confirms the refund. */
  status: 'refund_pending';
}

export interface CoinPurchase {
  paymentId: string;
  packId: string | null;
  description: string;
  amountMinor: number;
  currency: string;
  status: string;
  createdAt: string;
  paidAt: string | null;
  /** Paid, within the window and not refunded; whether the coins are still unused is checked on asking. */
  refundable: boolean;
}

export interface CoinRefundDeps {
  db: Db;
  queue: Queue;
  clock: Clock;
  payments: PaymentsService;
  wallet: WalletService;
}

/**
 * An unused coin pack back to money. Step 1 takes the coins out of the wallet and, in the same
 * transaction, queues step 2, the provider refund: once the coins are gone the refund cannot be
 * lost, and a provider that is down is retried rather than compensated.
 */
export function createCoinRefund(deps: CoinRefundDeps) {
  const { db, queue, clock, payments, wallet } = deps;

  async function requestRefund(caller: Caller, paymentId: string): Promise<CoinRefundResult> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to refund coins');
    const payment = await payments.getPayment(caller, paymentId);
    if (payment.userId !== userId || payment.purpose !== COIN_PACK_PURPOSE) throw new AppError('NOT_FOUND', 'Coin purchase not found');
    const packId = packIdOfReference(payment.reference);
    if (!packId) throw new AppError('INVALID_STATE', 'This purchase names no coin pack');
    if (payment.status !== 'succeeded') throw new AppError('INVALID_STATE', `A ${payment.status.replace('_', ' ')} payment cannot be refunded`);
    const paidAt = payment.paidAt ? new Date(payment.paidAt).getTime() : 0;
    if (clock.now().getTime() - paidAt > COIN_REFUND_WINDOW_MS) throw new AppError('INVALID_STATE', 'Coin packs can be refunded for 14 days after buying them');
    const taken = await db.transaction(async (tx) => {
      const refunded = await wallet.refundPack(tx, { userId, packId, reference: payment.id });
      await queue.enqueue(COIN_REFUND_QUEUE, { paymentId: payment.id, reference: payment.reference, amountMinor: payment.amountMinor }, { tx, dedupeKey: `coin-refund:${payment.id}`, maxAttempts: 20 });
      return refunded;
    });
    return { paymentId: payment.id, coins: taken.coins, bonus: taken.bonus, amountMinor: payment.amountMinor, currency: payment.currency, status: 'refund_pending' };
  }

  async function purchases(caller: Caller): Promise<CoinPurchase[]> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to see your purchases');
    const now = clock.now().getTime();
    return (await payments.listForUser(userId, COIN_PACK_PURPOSE)).map((p) => ({
      paymentId: p.id,
      packId: packIdOfReference(p.reference),
      description: p.description,
      amountMinor: p.amountMinor,
      currency: p.currency,
      status: p.status,
      createdAt: p.createdAt,
      paidAt: p.paidAt,
      refundable: p.status === 'succeeded' && p.paidAt !== null && now - new Date(p.paidAt).getTime() <= COIN_REFUND_WINDOW_MS,
    }));
  }

  function registerJobs(jobQueue: Queue): void {
    jobQueue.work(COIN_REFUND_QUEUE, async (payload) => {
      const paymentId = String(payload.paymentId);
      const current = await payments.paymentByReference(COIN_PACK_PURPOSE, String(payload.reference));
      if (current?.status === 'refunded') return;
      // The provider is idempotent on the reference, so a retry after a lost answer refunds once.
      await payments.refund(paymentId, Number(payload.amountMinor), `coin-refund:${paymentId}`);
    });
  }

  return { requestRefund, purchases, registerJobs };
}

export type CoinRefund = ReturnType<typeof createCoinRefund>;

export function registerCoinRefundRoutes(app: HttpApp, coinRefund: CoinRefund, idempotency: Idempotency): void {
  app.get(
    '/api/v1/wallet/top-ups',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['wallet'],
        summary: 'Your coin pack purchases, newest first, with whether each can still be refunded',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                paymentId: Type.String(),
                packId: Type.Union([Type.String(), Type.Null()]),
                description: Type.String(),
                amountMinor: Type.Integer(),
                currency: Type.String(),
                status: Type.String(),
                createdAt: Type.String(),
                paidAt: Type.Union([Type.String(), Type.Null()]),
                refundable: Type.Boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await coinRefund.purchases(request.caller) }),
  );
  app.post(
    '/api/v1/wallet/top-ups/:id/refund',
    {
      config: { access: 'signed-in' },
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      schema: {
        tags: ['wallet'],
        summary: 'Refund an unused coin pack within 14 days: its coins and bonus leave the wallet now, the money follows (needs an Idempotency-Key)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: {
          202: Type.Object({
            paymentId: Type.String(),
            coins: Type.Integer(),
            bonus: Type.Integer(),
            amountMinor: Type.Integer(),
            currency: Type.String(),
            status: Type.Literal('refund_pending'),
          }),
        },
      },
    },
    async (request, reply) => reply.status(202).send(await coinRefund.requestRefund(request.caller, request.params.id)),
  );
}
