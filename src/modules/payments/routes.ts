import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../core/errors.ts';
import type { HttpApp } from '../../http/types.ts';
import type { PaymentsService } from './service.ts';

const tags = ['payments'];
const WEBHOOK_BODY_LIMIT = 256 * 1024;

export const PaymentSchema = Type.Object({
  id: Type.String(),
  purpose: Type.String(),
  reference: Type.String(),
  userId: Type.String(),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  provider: Type.String(),
  status: Type.Union([
    Type.Literal('requires_payment'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('refunded'),
    Type.Literal('partially_refunded'),
  ]),
  refundedMinor: Type.Integer(),
  redirectUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  paidAt: Type.Union([Type.String(), Type.Null()]),
});

export function registerPaymentsRoutes(app: HttpApp, payments: PaymentsService): void {
  // The signature covers the exact bytes, so this route reads the body raw; parsers are scoped to this plugin.
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

    scope.post(
      '/api/v1/payments/:provider/webhook',
      {
        config: { access: 'public', skipCsrf: true },
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          tags,
          summary: 'Webhook from a payment provider (signed; duplicates are acknowledged and ignored)',
          params: Type.Object({ provider: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }) }),
          response: { 200: Type.Object({ received: Type.Boolean(), duplicate: Type.Boolean() }) },
        },
      },
      async (request) => {
        const body = request.body;
        if (!Buffer.isBuffer(body)) throw new AppError('BAD_REQUEST', 'The webhook needs a body');
        const outcome = await payments.handleWebhook(request.params.provider, body, request.headers);
        return { received: true, duplicate: outcome.duplicate };
      },
    );
  });

  app.get(
    '/api/v1/payments/:id',
    {
      config: { access: 'signed-in' },
      schema: { tags, summary: 'One of your payments', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: PaymentSchema } },
    },
    async (request) => payments.getPayment(request.caller, request.params.id),
  );
}
