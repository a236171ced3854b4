import { sql } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import type { Clock } from './core/clock.ts';
import { closeDrivers, openDrivers, type Drivers } from './drivers/index.ts';
import { installAccessControl } from './http/access.ts';
import { createHttpServer, registerOpenApiRoute, type ExistingServer } from './http/server.ts';
import type { HttpApp } from './http/types.ts';
import { createIdentityModule } from './modules/identity/index.ts';
import { createCatalogModule } from './modules/catalog/index.ts';
import { createFeedModule } from './modules/feed/index.ts';
import { createMediaModule } from './modules/media/index.ts';
import { createHmacSigner } from './drivers/signing/index.ts';
import { createEpisodeAccess } from './flows/episode-access.ts';
import { createPaymentProviders } from './drivers/payments/index.ts';
import { createPaymentsModule } from './modules/payments/index.ts';
import { createLedgerModule } from './modules/ledger/index.ts';
import { createWalletModule } from './modules/wallet/index.ts';
import { createIdempotency } from './http/idempotency.ts';
import { createEntitlementsModule } from './modules/entitlements/index.ts';
import { registerUnlockRoutes } from './flows/unlock-episode.ts';
import { createTopUp, registerTopUpRoutes } from './flows/top-up.ts';

export type ProcessRole = 'serve' | 'worker' | 'all';

export interface PlatformOptions {
  inMemoryDatabase?: boolean;
  clock?: Clock;
  log?: Logger;
}

/** The composition root: drivers, then modules wired to each other through their services. */
export async function createPlatform(config: Config, options: PlatformOptions = {}) {
  const log = options.log ?? pino({ level: config.logLevel });
  const drivers = await openDrivers(config, log, { inMemoryDatabase: options.inMemoryDatabase, clock: options.clock });
  const { db } = drivers.database;
  const identity = createIdentityModule({ db, config, clock: drivers.clock, cache: drivers.cache });
  const catalog = createCatalogModule({ db, identity: identity.service, storage: drivers.storage, clock: drivers.clock });
  const feed = createFeedModule({ db, catalog: catalog.service, clock: drivers.clock });
  const entitlements = createEntitlementsModule({ db, clock: drivers.clock });
  const media = createMediaModule({
    db,
    queue: drivers.queue,
    storage: drivers.storage,
    signer: createHmacSigner(config.secrets.mediaSecret),
    config,
    log,
    clock: drivers.clock,
    episodeAccess: createEpisodeAccess({ catalog: catalog.service, feed: feed.service, entitlements: entitlements.service }),
  });
  const payments = createPaymentsModule({
    db,
    clock: drivers.clock,
    ...createPaymentProviders(config, { db, queue: drivers.queue, clock: drivers.clock, log }),
  });
  const ledger = createLedgerModule({ db });
  const wallet = createWalletModule({ db, ledger: ledger.service, clock: drivers.clock, config });
  const idempotency = createIdempotency({ db, clock: drivers.clock });
  const topUp = createTopUp({ payments: payments.service, wallet: wallet.service, publicUrl: config.publicUrl, log });
  topUp.listen();
  return { config, log, drivers, idempotency, flows: { topUp }, modules: { identity, catalog, feed, media, payments, ledger, wallet, entitlements } };
}

export type Platform = Awaited<ReturnType<typeof createPlatform>>;

/** `existing`: a server already listening (see http/early-server.ts) that the app takes over when ready. */
export async function buildHttpApp(platform: Platform, existing?: ExistingServer): Promise<HttpApp> {
  const { config, log, drivers, modules } = platform;
  const app = await createHttpServer(config, log, existing);
  installAccessControl(app, modules.identity.resolveCaller);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await drivers.database.db.execute(sql`select 1`);
      return { ok: true };
    } catch {
      return reply.status(503).send({ ok: false });
    }
  });
  registerOpenApiRoute(app);
  modules.identity.registerRoutes(app, (userId, deviceId) => modules.feed.service.adoptDeviceProgress(deviceId, userId));
  modules.catalog.registerRoutes(app);
  modules.feed.registerRoutes(app);
  modules.media.registerRoutes(app);
  modules.payments.registerRoutes(app);
  modules.wallet.registerRoutes(app);
  registerTopUpRoutes(app, platform.flows.topUp, platform.idempotency);
  registerUnlockRoutes(app, {
    db: drivers.database.db,
    catalog: modules.catalog.service,
    wallet: modules.wallet.service,
    entitlements: modules.entitlements.service,
    idempotency: platform.idempotency,
  });
  return app;
}

/** Registers the background job handlers; the worker loop starts with `drivers.queue.start()`. */
export function registerWorkers(platform: Platform): void {
  platform.modules.media.registerJobs(platform.drivers.queue);
  platform.modules.payments.registerJobs(platform.drivers.queue);
}

export async function closePlatform(platform: Platform): Promise<void> {
  await closeDrivers(platform.drivers);
}

export type { Drivers };
