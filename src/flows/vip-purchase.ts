import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Caller } from '../http/context.ts';
import type { Idempotency } from '../http/idempotency.ts';
import type { HttpApp } from '../http/types.ts';
import type { PaymentsService } from '../modules/payments/service.ts';
import { parseVipReference, purchaseReference, VIP_PLAN_IDS, VIP_PURPOSE, vipPlan, type RecordPeriodInput, type VipService } from '../modules/vip/service.ts';

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export interface VipPurchaseDeps {
  payments: PaymentsService;
  vip: Pick<VipService, 'recordPeriod'>;
  /** Where the hosted payment page sends the buyer back to when the client names no returnUrl. */
  publicUrl: string;
  log: Logger;
}

export interface VipPurchaseInput {
  planId: string;
  /** Off unless the viewer ticks it: nothing renews behind their back. */
  autoRenew?: boolean;
  returnUrl?: string;
}

/** Buying a VIP plan goes through the payments module exactly as a coin top-up does. */
export function createVipPurchase(deps: VipPurchaseDeps) {
  const { payments } = deps;

  async function startPurchase(caller: Caller, input: VipPurchaseInput): Promise<{ paymentId: string; redirectUrl: string }> {
    const userId = caller.userId;
    if (!userId) throw new AppError('UNAUTHENTICATED', 'Sign in to join VIP');
    const plan = vipPlan(input.planId);
    if (!plan) throw new AppError('VALIDATION_FAILED', `VIP plan ${input.planId} does not exist`);
    const returnUrl = input.returnUrl ?? `${deps.publicUrl.replace(/\/$/, '')}/vip`;
    if (originOf(returnUrl) !== originOf(deps.publicUrl)) throw new AppError('VALIDATION_FAILED', 'returnUrl must point to this site');
    return payments.createPayment({
      purpose: VIP_PURPOSE,
      reference: purchaseReference(newId('vipPurchase'), plan.id, input.autoRenew === true),
      userId,
      amountMinor: plan.priceMinor,
      currency: plan.currency,
      description: `VIP ${plan.id} (${plan.days} days)${input.autoRenew === true ? ', renews until cancelled' : ''}`,
      returnUrl,
    });
  }

  /** Records the paid period inside the transaction that records the payment event: both commit or neither. */
  function listen(): void {
    payments.onPaymentEvent(async ({ tx, event, payment }) => {
      if (!payment || payment.purpose !== VIP_PURPOSE || event.type !== 'payment.succeeded') return;
      const reference = parseVipReference(payment.reference);
      if (!reference) {
        deps.log.error({ paymentId: payment.id, reference: payment.reference }, 'vip payment with an unreadable reference');
        return;
      }
      const base = { userId: payment.userId, paymentId: payment.id, planId: reference.planId, amountMinor: payment.amountMinor, currency: payment.currency };
      let input: RecordPeriodInput;
      switch (reference.kind) {
        case 'purchase':
          input = { ...base, source: 'purchase', autoRenew: reference.autoRenew };
          break;
        case 'renewal':
          input = { ...base, source: 'renewal' };
          break;
        default: {
          const never: never = reference;
          throw new Error(`unhandled VIP reference ${JSON.stringify(never)}`);
        }
      }
      await deps.vip.recordPeriod(tx, input);
    });
  }

  return { startPurchase, listen };
}

export type VipPurchase = ReturnType<typeof createVipPurchase>;

export function registerVipPurchaseRoutes(app: HttpApp, vipPurchase: VipPurchase, idempotency: Idempotency): void {
  app.post(
    '/api/v1/vip/purchases',
    {
      config: { access: 'signed-in' },
      preHandler: idempotency.preHandler,
      onSend: idempotency.onSend,
      schema: {
        tags: ['vip'],
        summary: 'Buy a VIP plan: creates a payment and answers the hosted payment page (needs an Idempotency-Key; renewal is off unless autoRenew is true)',
        body: Type.Object(
          {
            planId: Type.Union(VIP_PLAN_IDS.map((id) => Type.Literal(id))),
            autoRenew: Type.Optional(Type.Boolean({ default: false })),
            returnUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ paymentId: Type.String(), redirectUrl: Type.String() }) },
      },
    },
    async (request, reply) => {
      const created = await vipPurchase.startPurchase(request.caller, request.body);
      return reply.status(201).send(created);
    },
  );
}
