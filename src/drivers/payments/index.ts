import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../db/types.ts';
import type { Queue } from '../queue/port.ts';
import type { PaymentProvider } from './port.ts';
import { createSandboxProvider, SANDBOX_PAGE_PATH, type SandboxProvider } from './sandbox.ts';
import { createStripeProvider } from './stripe.ts';

export type * from './port.ts';
export { createSandboxProvider, SANDBOX_PAGE_PATH, SANDBOX_SIGNATURE_HEADER, SANDBOX_WEBHOOK_QUEUE, type SandboxDeps, type SandboxProvider } from './sandbox.ts';
export { signWebhook, verifyWebhookSignature } from './signature.ts';
export { createStripeProvider, STRIPE_SIGNATURE_HEADER, type StripeProviderOptions } from './stripe.ts';

export interface PaymentProviders {
  providers: Record<string, PaymentProvider>;
  defaultProvider: string;
  /** Set when the sandbox runs here: its pages and webhook jobs must be registered. */
  sandbox: SandboxProvider | null;
}

/**
 * The configured providers; the sandbox is always there (it is the default and costs nothing idle).
 * Stripe is there whenever its secrets are set, so its webhooks still land after the default moves back.
 */
export function createPaymentProviders(config: Config, deps: { db: Db; queue: Queue; clock: Clock; log?: Logger }): PaymentProviders {
  const sandbox = createSandboxProvider({
    ...deps,
    webhookSecret: config.secrets.paymentsWebhookSecret,
    toleranceSeconds: config.payments.webhookToleranceSeconds,
    webhookUrl: `${config.publicUrl}/api/v1/payments/sandbox/webhook`,
    hostedPageBase: `${config.publicUrl}${SANDBOX_PAGE_PATH}`,
    duplicateWebhooks: config.payments.sandboxDuplicateWebhooks,
  });
  const providers: Record<string, PaymentProvider> = { sandbox };
  if (config.payments.stripe) {
    providers.stripe = createStripeProvider({
      ...config.payments.stripe,
      toleranceSeconds: config.payments.webhookToleranceSeconds,
      clock: deps.clock,
      log: deps.log,
    });
  }
  return { providers, defaultProvider: config.payments.provider, sandbox };
}
