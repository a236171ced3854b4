import { randomBytes } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { signWebhook } from '../../drivers/payments/signature.ts';
import type { JobContext, Queue } from '../../drivers/queue/port.ts';
import { merchantWebhookDeliveries, merchantWebhookEndpoints, type WebhookDeliveryRow, type WebhookEndpointRow, type WebhookEventType } from './schema.ts';
import type { OrderView } from './views.ts';
import { assertPublicUrl, checkedAddresses, postToAddresses, systemResolver, type Resolver } from './webhook-target.ts';

export const MERCHANT_WEBHOOK_QUEUE = 'merchant-webhooks';
/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`: the payments sandbox's scheme. */
export const MERCHANT_SIGNATURE_HEADER = 'dualstream-signature';
export const MERCHANT_EVENT_HEADER = 'dualstream-event';
export const MERCHANT_DELIVERY_HEADER = 'dualstream-delivery';
const DEFAULT_MAX_ATTEMPTS = 10;
const DELIVERY_TIMEOUT_MS = 10_000;

export interface WebhookEndpointView {
  id: string;
  shopId: string;
  url: string;
  /**
   * Receivers verify deliveries with it. Present only in the answer that creates the endpoint or
   * rotates the secret (like Stripe's and GitHub's): it is not shown again.
   */
  secret?: string;
  /** `whsec_…abcd`: enough to tell which secret a receiver holds. */
  secretHint: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDeliveryView {
  id: string;
  orderId: string;
  eventType: WebhookEventType;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

/** What the shop's endpoint receives (the exact bytes are signed). */
export interface MerchantEventBody {
  id: string;
  type: WebhookEventType;
  created: number;
  data: { order: OrderView };
}

function endpointView(row: WebhookEndpointRow, showSecret: boolean): WebhookEndpointView {
  return {
    id: row.id,
    shopId: row.shopId,
    url: row.url,
    ...(showSecret ? { secret: row.secret } : {}),
    secretHint: `whsec_…${row.secret.slice(-4)}`,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

function deliveryView(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    orderId: row.orderId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}

function checkUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The webhook URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError('VALIDATION_FAILED', 'The webhook URL must use http or https');
  if (url.username || url.password) throw new AppError('VALIDATION_FAILED', 'The webhook URL must not carry credentials');
  assertPublicUrl(url, allowPrivate);
  return url.toString();
}

export function createMerchantWebhooks(deps: {
  db: Db;
  queue: Queue;
  clock: Clock;
  log: Logger;
  maxAttempts?: number;
  /** Let endpoints on private, loopback or link-local addresses through (tests, a closed LAN). */
  allowPrivateTargets?: boolean;
  /** Resolves endpoint names at delivery (the system's DNS unless a test stands in another). */
  resolve?: Resolver;
}) {
  const allowPrivate = deps.allowPrivateTargets ?? false;
  const resolve = deps.resolve ?? systemResolver;
  const { db, clock } = deps;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;

  async function endpointOf(shopId: string): Promise<WebhookEndpointView | null> {
    const [row] = await db.select().from(merchantWebhookEndpoints).where(eq(merchantWebhookEndpoints.shopId, shopId));
    return row ? endpointView(row, false) : null;
  }

  /** Creates the shop's endpoint (answering its new secret, the only time it is shown) or changes it. */
  async function putEndpoint(shopId: string, input: { url: string; enabled?: boolean }): Promise<WebhookEndpointView> {
    const url = checkUrl(input.url, allowPrivate);
    const now = clock.now();
    const [created] = await db
      .insert(merchantWebhookEndpoints)
      .values({ id: newId('webhookEndpoint'), shopId, url, secret: newSecret(), enabled: input.enabled ?? true, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: merchantWebhookEndpoints.shopId })
      .returning();
    if (created) return endpointView(created, true);
    const [row] = await db
      .update(merchantWebhookEndpoints)
      .set({ url, updatedAt: now, ...(input.enabled === undefined ? {} : { enabled: input.enabled }) })
      .where(eq(merchantWebhookEndpoints.shopId, shopId))
      .returning();
    if (!row) throw new Error('webhook endpoint vanished');
    return endpointView(row, false);
  }

  /** A new secret, answered this once; every delivery attempt from now on is signed with it. */
  async function rotateSecret(shopId: string): Promise<WebhookEndpointView> {
    const [row] = await db
      .update(merchantWebhookEndpoints)
      .set({ secret: newSecret(), updatedAt: clock.now() })
      .where(eq(merchantWebhookEndpoints.shopId, shopId))
      .returning();
    if (!row) throw notFound("The shop's webhook endpoint");
    return endpointView(row, true);
  }

  async function deliveriesOf(shopId: string, limit = 50): Promise<WebhookDeliveryView[]> {
    const rows = await db
      .select()
      .from(merchantWebhookDeliveries)
      .where(eq(merchantWebhookDeliveries.shopId, shopId))
      .orderBy(desc(merchantWebhookDeliveries.id))
      .limit(limit);
    return rows.map(deliveryView);
  }

  /**
   * Records the event for the shop's endpoint and enqueues its delivery, both in the caller's
   * transaction: the event exists exactly when the order change it reports commits.
   */
  async function emit(tx: DbOrTx, type: WebhookEventType, order: OrderView): Promise<void> {
    const [endpoint] = await tx
      .select()
      .from(merchantWebhookEndpoints)
      .where(and(eq(merchantWebhookEndpoints.shopId, order.shopId), eq(merchantWebhookEndpoints.enabled, true)));
    if (!endpoint) return;
    const id = newId('webhookDelivery');
    const body: MerchantEventBody = { id, type, created: Math.floor(clock.now().getTime() / 1000), data: { order } };
    await tx.insert(merchantWebhookDeliveries).values({
      id,
      endpointId: endpoint.id,
      shopId: order.shopId,
      orderId: order.id,
      eventType: type,
      body: JSON.stringify(body),
      createdAt: clock.now(),
    });
    await deps.queue.enqueue(MERCHANT_WEBHOOK_QUEUE, { deliveryId: id }, { tx, maxAttempts, dedupeKey: `${MERCHANT_WEBHOOK_QUEUE}:${id}` });
  }

  /** One attempt; throwing hands the retry and its backoff to the queue. */
  async function deliver(deliveryId: string, ctx: JobContext): Promise<void> {
    const [row] = await db
      .select({ delivery: merchantWebhookDeliveries, url: merchantWebhookEndpoints.url, secret: merchantWebhookEndpoints.secret })
      .from(merchantWebhookDeliveries)
      .innerJoin(merchantWebhookEndpoints, eq(merchantWebhookEndpoints.id, merchantWebhookDeliveries.endpointId))
      .where(eq(merchantWebhookDeliveries.id, deliveryId));
    if (!row || row.delivery.status === 'delivered') return;
    // Signed at each attempt, so a retry hours later is inside the receiver's tolerance.
    const signature = signWebhook(row.secret, Math.floor(clock.now().getTime() / 1000), row.delivery.body);
    let status = 0;
    let error: string | null = null;
    try {
      const target = new URL(row.url);
      // Connect to the very addresses checked: a second lookup could answer differently (DNS rebinding).
      const addresses = await checkedAddresses(target, allowPrivate, resolve);
      status = await postToAddresses(target, addresses, {
        headers: {
          'content-type': 'application/json',
          [MERCHANT_SIGNATURE_HEADER]: signature,
          [MERCHANT_EVENT_HEADER]: row.delivery.eventType,
          [MERCHANT_DELIVERY_HEADER]: deliveryId,
        },
        body: row.delivery.body,
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
      });
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const ok = status >= 200 && status < 300;
    const last = ctx.job.attempts >= ctx.job.maxAttempts;
    await db
      .update(merchantWebhookDeliveries)
      .set({
        attempts: sql`${merchantWebhookDeliveries.attempts} + 1`,
        lastStatus: status === 0 ? null : status,
        lastError: ok ? null : (error ?? `HTTP ${status}`),
        lastAttemptAt: clock.now(),
        ...(ok ? { status: 'delivered' as const, deliveredAt: clock.now() } : last ? { status: 'failed' as const } : {}),
      })
      .where(eq(merchantWebhookDeliveries.id, deliveryId));
    if (!ok) {
      if (last) deps.log.warn({ deliveryId, shopId: row.delivery.shopId, status, error }, 'merchant webhook gave up after its last attempt');
      throw new Error(`merchant webhook ${deliveryId}: ${error ?? `HTTP ${status}`}`);
    }
  }

  return {
    endpointOf,
    putEndpoint,
    rotateSecret,
    deliveriesOf,
    emit,
    registerJobs(queue: Queue): void {
      queue.work(
        MERCHANT_WEBHOOK_QUEUE,
        async (payload, ctx) => {
          if (typeof payload.deliveryId === 'string') await deliver(payload.deliveryId, ctx);
        },
        { concurrency: 4 },
      );
    },
  };
}

export type MerchantWebhooks = ReturnType<typeof createMerchantWebhooks>;
