import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.ts';
import type { Caller } from '../../http/context.ts';
import type { HttpApp } from '../../http/types.ts';
import type { VipService } from './service.ts';

const tags = ['vip'];

export const VipPlanSchema = Type.Object({ id: Type.String(), days: Type.Integer(), priceMinor: Type.Integer(), currency: Type.String() });
const PeriodSchema = Type.Object({
  id: Type.String(),
  planId: Type.String(),
  source: Type.Union([Type.Literal('purchase'), Type.Literal('renewal')]),
  paymentId: Type.String(),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
});
const NullableTime = Type.Union([Type.String(), Type.Null()]);
export const VipMembershipSchema = Type.Object({
  active: Type.Boolean(),
  planId: Type.String(),
  periodStart: NullableTime,
  periodEnd: NullableTime,
  autoRenew: Type.Boolean(),
  cancelled: Type.Boolean(),
  renewsAt: NullableTime,
  periods: Type.Array(PeriodSchema),
});

function userIdOf(caller: Caller): string {
  if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in to manage VIP');
  return caller.userId;
}

export function registerVipRoutes(app: HttpApp, vip: VipService): void {
  app.get(
    '/api/v1/vip',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'VIP plans, and the caller’s membership (null when anonymous or never a member)',
        response: { 200: Type.Object({ plans: Type.Array(VipPlanSchema), membership: Type.Union([VipMembershipSchema, Type.Null()]) }) },
      },
    },
    async (request) => ({
      plans: [...vip.plans],
      membership: request.caller.userId ? await vip.membership(request.caller.userId) : null,
    }),
  );

  app.put(
    '/api/v1/vip/auto-renew',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Turn renewal on or off (on needs an active membership; on also withdraws a cancellation)',
        body: Type.Object({ autoRenew: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: VipMembershipSchema },
      },
    },
    async (request) => vip.setAutoRenew(userIdOf(request.caller), request.body.autoRenew),
  );

  app.post(
    '/api/v1/vip/cancel',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Cancel VIP in one call: renewal off; access continues until periodEnd',
        response: { 200: VipMembershipSchema },
      },
    },
    async (request) => vip.cancel(userIdOf(request.caller)),
  );
}
