import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../drivers/db/types.ts';
import { createPaymentProviders, type SandboxProvider } from '../../drivers/payments/index.ts';
import { loadConfig } from '../../config.ts';
import { createDbQueue } from '../../drivers/queue/db-queue.ts';
import type { Queue } from '../../drivers/queue/port.ts';
import { installAccessControl } from '../../http/access.ts';
import type { Caller } from '../../http/context.ts';
import { installProblemHandlers } from '../../http/problem.ts';
import type { HttpApp } from '../../http/types.ts';
import { createPaymentsModule } from './index.ts';
import type { PaymentEventContext, PaymentsService } from './service.ts';

export const TEST_WEBHOOK_SECRET = 'whsec_test_secret_for_payments';

export interface PaymentsHarness {
  app: HttpApp;
  queue: Queue;
  sandbox: SandboxProvider;
  payments: PaymentsService;
  /** Every listener call, in order. */
  calls: PaymentEventContext[];
  close(): Promise<void>;
}

/** Callers come from an `x-test-user` header: the tests are about payments, not sign-in. */
function testCaller(header: string | string[] | undefined): Caller {
  const userId = typeof header === 'string' ? header : null;
  return { userId, role: userId ? 'viewer' : null, deviceId: 'dev_test', viewerKey: userId ?? 'dev_test', via: userId ? 'token' : 'anonymous', csrfToken: null };
}

/** The payments module and the sandbox on their own small app, wired as app.ts wires them. */
export async function startPaymentsHarness(options: { db: Db; clock: Clock; publicUrl: string; duplicateWebhooks?: boolean }): Promise<PaymentsHarness> {
  const log = pino({ level: 'silent' });
  const queue = createDbQueue(options.db, { pollIntervalMs: 20, workerId: `payments-test-${process.pid}`, backoffBaseMs: 50, backoffMaxMs: 500, log });
  const config = loadConfig({
    DATA_DIR: await mkdtemp(join(tmpdir(), 'ds-payments-')),
    PUBLIC_URL: options.publicUrl,
    PAYMENTS_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    PAYMENTS_SANDBOX_DUPLICATE_WEBHOOKS: String(options.duplicateWebhooks ?? true),
  });
  const wired = createPaymentProviders(config, { db: options.db, queue, clock: options.clock, log });
  const sandbox = wired.sandbox;
  if (!sandbox) throw new Error('the sandbox provider is not configured');
  const module = createPaymentsModule({ db: options.db, clock: options.clock, ...wired });
  const calls: PaymentEventContext[] = [];
  module.service.onPaymentEvent(async (context) => {
    calls.push(context);
  });
  const loggerInstance: FastifyBaseLogger = log;
  const app: HttpApp = Fastify({ loggerInstance }).withTypeProvider<TypeBoxTypeProvider>();
  installProblemHandlers(app);
  installAccessControl(app, async (request) => testCaller(request.headers['x-test-user']));
  module.registerRoutes(app);
  module.registerJobs(queue);
  await app.ready();
  return {
    app,
    queue,
    sandbox,
    payments: module.service,
    calls,
    close: async () => {
      await queue.stop(2_000);
      await app.close();
      await rm(config.dataDir, { recursive: true, force: true });
    },
  };
}
