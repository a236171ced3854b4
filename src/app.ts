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
import { createCoinRefund, registerCoinRefundRoutes } from './flows/coin-refund.ts';
import { createPaywallOffer, registerPaywallOfferRoutes, type AdOffer, type VipOffer } from './flows/paywall-offer.ts';
import { registerSeriesUnlockRoutes } from './flows/unlock-series.ts';
import { createVipModule } from './modules/vip/index.ts';
import { VIP_PLANS } from './modules/vip/service.ts';
import { createVipPurchase, registerVipPurchaseRoutes } from './flows/vip-purchase.ts';
import { createAdNetwork } from './drivers/ads/index.ts';
import { createAdsModule } from './modules/ads/index.ts';
import { createAdUnlock, registerAdUnlockRoutes } from './flows/ad-unlock.ts';
import { createPlacementsModule } from './modules/placements/index.ts';
import { createEventsModule } from './modules/events/index.ts';
import { placementEpisodesFrom, playbackCardsFrom, productLookupFrom, touchTargetsFrom, type CommerceProducts } from './flows/placements.ts';
import { createCommerceModule } from './modules/commerce/index.ts';
import { createOrdersModule } from './modules/orders/index.ts';
import { createCheckout, registerCheckoutRoutes } from './flows/checkout.ts';
import { orderStockFrom, skuLookupFrom } from './flows/order-ports.ts';
import { registerDemoPlacementJobs } from './seed/placements.ts';

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
  // The vip module needs payments, made below; this is only called at request time, after both exist.
  const vipMembership: VipOffer = { isActive: (userId, executor) => vip.service.isActive(userId, executor), plans: VIP_PLANS };
  const commerce = createCommerceModule({ db, identity: identity.service, clock: drivers.clock });
  const commerceProducts: CommerceProducts = commerce.service;
  const placementEpisodes = placementEpisodesFrom({ catalog: catalog.service, entitlements: entitlements.service, vip: vipMembership });
  const placements = createPlacementsModule({ db, clock: drivers.clock, orgs: identity.service, products: productLookupFrom(commerceProducts), episodes: placementEpisodes });
  const events = createEventsModule({
    db,
    clock: drivers.clock,
    targets: touchTargetsFrom(placements.service, placementEpisodes),
    windows: { clickMs: config.attribution.clickWindowMs, impressionMs: config.attribution.impressionWindowMs },
  });
  const media = createMediaModule({
    db,
    queue: drivers.queue,
    storage: drivers.storage,
    signer: createHmacSigner(config.secrets.mediaSecret),
    config,
    log,
    clock: drivers.clock,
    episodeAccess: createEpisodeAccess({
      catalog: catalog.service,
      feed: feed.service,
      entitlements: entitlements.service,
      vip: vipMembership,
      unlockOptions: (caller, facts) => paywallOffer.unlockOptions(caller, facts),
      placementsFor: playbackCardsFrom(db),
    }),
  });
  const payments = createPaymentsModule({
    db,
    clock: drivers.clock,
    ...createPaymentProviders(config, { db, queue: drivers.queue, clock: drivers.clock, log }),
  });
  const ledger = createLedgerModule({ db });
  const wallet = createWalletModule({ db, ledger: ledger.service, clock: drivers.clock, config });
  const idempotency = createIdempotency({ db, clock: drivers.clock });
  const vip = createVipModule({ db, clock: drivers.clock, payments: payments.service, publicUrl: config.publicUrl, log });
  const vipPurchase = createVipPurchase({ payments: payments.service, vip: vip.service, publicUrl: config.publicUrl, log });
  vipPurchase.listen();
  const adNetwork = createAdNetwork(config, { db, queue: drivers.queue, clock: drivers.clock, log });
  const ads = createAdsModule({ db, clock: drivers.clock, dailyCap: config.ads.dailyCap, sandbox: adNetwork });
  const adsOffer: AdOffer = { dailyCap: ads.service.dailyCap, remainingToday: (userId) => ads.service.remainingToday(userId) };
  const adUnlock = createAdUnlock({ db, catalog: catalog.service, entitlements: entitlements.service, vip: vipMembership, ads: ads.service, network: adNetwork, log });
  const paywallOffer = createPaywallOffer({ catalog: catalog.service, entitlements: entitlements.service, wallet: wallet.service, vip: vipMembership, ads: adsOffer });
  const topUp = createTopUp({ payments: payments.service, wallet: wallet.service, publicUrl: config.publicUrl, log });
  topUp.listen();
  const coinRefund = createCoinRefund({ db, queue: drivers.queue, clock: drivers.clock, payments: payments.service, wallet: wallet.service });
  const orders = createOrdersModule({
    db,
    queue: drivers.queue,
    clock: drivers.clock,
    log,
    skus: skuLookupFrom(commerce.service),
    stock: orderStockFrom(commerce.service),
    payments: payments.service,
    shops: identity.service,
    expiryIntervalMs: config.checkout.expiryIntervalMs,
    webhooksAllowPrivate: config.checkout.webhooksAllowPrivate,
  });
  const checkout = createCheckout({
    db,
    clock: drivers.clock,
    log,
    commerce: commerce.service,
    events: events.service,
    payments: payments.service,
    orders: orders.service,
    publicUrl: config.publicUrl,
    reservationMs: config.checkout.reservationMs,
  });
  checkout.listen();
  return { config, log, drivers, idempotency, flows: { topUp, coinRefund, paywallOffer, vipMembership, vipPurchase, adUnlock, checkout }, modules: { identity, catalog, feed, media, payments, ledger, wallet, entitlements, vip, ads, placements, events, commerce, orders } };
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
  registerCoinRefundRoutes(app, platform.flows.coinRefund, platform.idempotency);
  modules.vip.registerRoutes(app);
  registerVipPurchaseRoutes(app, platform.flows.vipPurchase, platform.idempotency);
  registerUnlockRoutes(app, {
    db: drivers.database.db,
    catalog: modules.catalog.service,
    wallet: modules.wallet.service,
    entitlements: modules.entitlements.service,
    vip: platform.flows.vipMembership,
    idempotency: platform.idempotency,
  });
  registerPaywallOfferRoutes(app, platform.flows.paywallOffer);
  modules.ads.registerRoutes(app);
  registerAdUnlockRoutes(app, platform.flows.adUnlock, platform.idempotency);
  modules.commerce.registerRoutes(app, platform.idempotency);
  modules.placements.registerRoutes(app);
  modules.events.registerRoutes(app);
  modules.orders.registerRoutes(app, platform.idempotency);
  registerCheckoutRoutes(app, platform.flows.checkout, platform.idempotency);
  registerSeriesUnlockRoutes(app, {
    db: drivers.database.db,
    offer: platform.flows.paywallOffer,
    wallet: modules.wallet.service,
    entitlements: modules.entitlements.service,
    idempotency: platform.idempotency,
  });
  return app;
}

/** Registers the background job handlers; the worker loop starts with `drivers.queue.start()`. */
export function registerWorkers(platform: Platform): void {
  platform.flows.coinRefund.registerJobs(platform.drivers.queue);
  platform.modules.media.registerJobs(platform.drivers.queue);
  platform.modules.payments.registerJobs(platform.drivers.queue);
  platform.modules.ads.registerJobs(platform.drivers.queue);
  // The demo seed's cards wait for their episodes' videos (src/seed/placements.ts).
  registerDemoPlacementJobs(platform);
  // The first enqueue needs the database; if it fails, the next worker start (or any running worker's chain) schedules it.
  platform.modules.wallet.registerJobs(platform.drivers.queue).catch((error: unknown) => platform.log.error({ err: error }, 'could not schedule the bonus-expiry sweep'));
  platform.modules.orders.registerJobs(platform.drivers.queue).catch((error: unknown) => platform.log.error({ err: error }, 'could not schedule the order-expiry sweep'));
  platform.modules.vip.registerJobs(platform.drivers.queue).catch((error: unknown) => platform.log.error({ err: error }, 'could not schedule the VIP renewal job'));
}

export async function closePlatform(platform: Platform): Promise<void> {
  await closeDrivers(platform.drivers);
}

export type { Drivers };
