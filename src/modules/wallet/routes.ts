import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.ts';
import type { Caller } from '../../http/context.ts';
import type { HttpApp } from '../../http/types.ts';
import type { WalletService } from './service.ts';

const tags = ['wallet'];

const NullableCoins = Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()]);
const BalancesSchema = Type.Object({
  paid: Type.Integer(),
  bonus: Type.Integer(),
  total: Type.Integer(),
  bonusLots: Type.Array(Type.Object({ remaining: Type.Integer(), expiresAt: Type.String(), source: Type.String() })),
});
const CapsSchema = Type.Object({
  dailyCoins: NullableCoins,
  monthlyCoins: NullableCoins,
  isDefault: Type.Boolean(),
  spentToday: Type.Integer(),
  spentThisMonth: Type.Integer(),
});
const PackSchema = Type.Object({ id: Type.String(), coins: Type.Integer(), bonus: Type.Integer(), priceMinor: Type.Integer(), currency: Type.String() });
const WalletSchema = Type.Object({
  balances: BalancesSchema,
  caps: CapsSchema,
  packs: Type.Array(PackSchema),
  checkIn: Type.Object({ checkedInToday: Type.Boolean(), streak: Type.Integer(), nextReward: Type.Integer() }),
});
const HistoryItemSchema = Type.Object({
  entryId: Type.String(),
  kind: Type.String(),
  description: Type.String(),
  amount: Type.Integer(),
  paid: Type.Integer(),
  bonus: Type.Integer(),
  balanceAfter: Type.Integer(),
  paidAfter: Type.Integer(),
  bonusAfter: Type.Integer(),
  createdAt: Type.String(),
});
const CheckInSchema = Type.Object({
  day: Type.String(),
  checkedIn: Type.Boolean(),
  alreadyCheckedIn: Type.Boolean(),
  streak: Type.Integer(),
  coins: Type.Integer(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  balances: BalancesSchema,
});

function userIdOf(caller: Caller): string {
  if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in to use the wallet');
  return caller.userId;
}

export function registerWalletRoutes(app: HttpApp, wallet: WalletService): void {
  async function capsView(userId: string) {
    const caps = await wallet.getCaps(userId);
    return { ...caps, ...(await wallet.capUsage(userId)) };
  }

  app.get(
    '/api/v1/wallet',
    { config: { access: 'signed-in' }, schema: { tags, summary: 'The wallet: balances, spending caps, coin packs and today’s check-in', response: { 200: WalletSchema } } },
    async (request) => {
      const userId = userIdOf(request.caller);
      return {
        balances: await wallet.balances(userId),
        caps: await capsView(userId),
        packs: [...wallet.packs],
        checkIn: await wallet.checkInStatus(userId),
      };
    },
  );

  app.get(
    '/api/v1/wallet/history',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Every coin movement of the wallet, newest first, with the balance after each',
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 32 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(HistoryItemSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => wallet.history(userIdOf(request.caller), request.query.cursor ?? null, request.query.limit ?? 30),
  );

  app.post(
    '/api/v1/wallet/check-in',
    {
      config: { access: 'signed-in' },
      schema: { tags, summary: 'Claim today’s check-in reward (once per UTC day; repeating is harmless)', response: { 200: CheckInSchema } },
    },
    async (request) => {
      const userId = userIdOf(request.caller);
      const result = await wallet.checkIn(userId);
      return { ...result, balances: await wallet.balances(userId) };
    },
  );

  app.put(
    '/api/v1/wallet/caps',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Set the daily and monthly coin spending limits (null = no limit)',
        body: Type.Object({ dailyCoins: NullableCoins, monthlyCoins: NullableCoins }, { additionalProperties: false }),
        response: { 200: CapsSchema },
      },
    },
    async (request) => {
      const userId = userIdOf(request.caller);
      await wallet.setCaps(userId, request.body);
      return capsView(userId);
    },
  );
}
