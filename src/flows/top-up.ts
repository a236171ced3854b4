import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { PaymentsService } from '../modules/payments/service.ts';
import { COIN_PACKS, type WalletService } from '../modules/wallet/service.ts';

export const COIN_PACK_PURPOSE = 'coin_pack';

/**
 * Payments keep no metadata, so the pack travels in the payment's reference: `<topUpId>.<packId>`.
 * The top-up id makes every purchase its own payment; the pack id tells the webhook what to credit.
 */
export function topUpReference(topUpId: string, packId: string): string {
  return `${topUpId}.${packId}`;
}

export function packIdOfReference(reference: string): string | null {
  const dot = reference.indexOf('.');
  return dot > 0 ? reference.slice(dot + 1) : null;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export interface TopUpDeps {
  payments: PaymentsService;
  wallet: WalletService;
  /** Where the hosted payment page sends the buyer back to when the client names no returnUrl. */
  publicUrl: string;
  log: Logger;
}

export function createTopUp(deps: TopUpDeps) {
  const { payments } = deps;

  async function startTopUp(caller: Caller, input: { packId: string; returnUrl?: string }): Promise<{ paymentId: string; redirectUrl: string }> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to buy coins');
    const pack = COIN_PACKS.find((p) => p.id === input.packId);
    if (!pack) throw new AppError('NOT_FOUND', `Coin pack ${input.packId} does not exist`);
    const returnUrl = input.returnUrl ?? `${deps.publicUrl.replace(/\/$/, '')}/wallet`;
    if (originOf(returnUrl) !== originOf(deps.publicUrl)) throw new AppError('VALIDATION_FAILED', 'returnUrl must point to this site');
    return payments.createPayment({
      purpose: COIN_PACK_PURPOSE,
      reference: topUpReference(newId('topUp'), pack.id),
      userId,
      amountMinor: pack.priceMinor,
      currency: pack.currency,
      description: `${pack.coins} coins${pack.bonus > 0 ? ` + ${pack.bonus} bonus` : ''}`,
      returnUrl,
    });
  }

  /** Credits the pack inside the transaction that records the payment event: both commit or neither. */
  function listen(): void {
    payments.onPaymentEvent(async ({ tx, event, payment }) => {
      if (!payment || payment.purpose !== COIN_PACK_PURPOSE || event.type !== 'payment.succeeded') return;
      const packId = packIdOfReference(payment.reference);
      if (!packId) {
        deps.log.error({ paymentId: payment.id, reference: payment.reference }, 'coin_pack payment without a pack in its reference');
        return;
      }
      // Keyed by the payment id, so a repeated success event (another provider event id) credits nothing more.
      await deps.wallet.creditPack(tx, { userId: payment.userId, packId, reference: payment.id, metadata: { paymentId: payment.id } });
    });
  }

  return { startTopUp, listen };
}

export type TopUp = ReturnType<typeof createTopUp>;

export function registerTopUpRoutes(app: HttpApp, topUp: TopUp, idempotency: Idempotency): void {
  app.post(
    '/api/v1/wallet/top-ups',
    {
      config: { access: 'signed-in' },
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      schema: {
        tags: ['wallet'],
        summary: 'Buy a coin pack: creates a payment and answers the hosted payment page to send the buyer to (needs an Idempotency-Key)',
        body: Type.Object(
          { packId: Type.String({ minLength: 1, maxLength: 64 }), returnUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ paymentId: Type.String(), redirectUrl: Type.String() }) },
      },
    },
    async (request, reply) => {
      const created = await topUp.startTopUp(request.caller, request.body);
      return reply.status(201).send(created);
    },
  );
}
