import { randomBytes, type KeyObject } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { FfmpegBinaries } from '../../ffmpeg/index.ts';
import type { Db } from '../db/types.ts';
import { PermanentJobError, type Queue } from '../queue/port.ts';
import { ensureSandboxCreative } from './creative.ts';
import type { AdNetwork, AdView, StartAdViewInput, VerifiedReward } from './port.ts';
import { sandboxAdViews } from './schema.ts';
import { deriveSsvSigningKey, signSsvQuery, singleParam, verifySsvQuery } from './ssv.ts';

export const ADS_SANDBOX_PATH = '/api/v1/ads/sandbox';
export const ADS_SANDBOX_CALLBACK_QUEUE = 'ads-sandbox-callbacks';
const CALLBACK_MAX_ATTEMPTS = 10;
const CALLBACK_TIMEOUT_MS = 10_000;
const AD_NETWORK_ID = 'dualstream-sandbox';
const AD_UNIT_ID = 'sandbox-rewarded-episode';

export interface SandboxAdNetworkDeps {
  db: Db;
  queue: Queue;
  clock: Clock;
  /** Seeds the network's signing key (see ssv.ts: the same in every process). */
  signingSecret: string;
  durationMs: number;
  toleranceSeconds: number;
  /** `${PUBLIC_URL}`: where the network's own pages live and where it calls back. */
  publicUrl: string;
  /** Where the rendered creative is kept. */
  creativeDir: string;
  binaries?: FfmpegBinaries;
  log?: Logger;
}

export interface SandboxAdNetwork extends AdNetwork {
  /** The viewer's client says the clip ended: rewards once the whole duration has passed. */
  complete(viewId: string, userId: string): Promise<{ viewId: string; completed: true }>;
  /** The rendered clip's path (rendered on first use). */
  creativeFile(): Promise<string>;
  /** What a key server would publish: the keys callbacks may be verified with. */
  verifierKeys(): { keyId: string; pem: string }[];
  registerJobs(queue: Queue): void;
}

/** A rewarded-ad network in our process and database that reaches our server only over HTTP. */
export function createSandboxAdNetwork(deps: SandboxAdNetworkDeps): SandboxAdNetwork {
  const { db, clock } = deps;
  const signingKey = deriveSsvSigningKey(deps.signingSecret);
  const publicKeys = new Map<string, KeyObject>([[signingKey.keyId, signingKey.publicKey]]);
  const base = `${deps.publicUrl}${ADS_SANDBOX_PATH}`;

  async function startView(input: StartAdViewInput): Promise<AdView> {
    await db
      .insert(sandboxAdViews)
      .values({ id: newId('sandboxAdView'), customData: input.adUnlockId, userId: input.userId, durationMs: deps.durationMs, startedAt: clock.now() })
      .onConflictDoNothing({ target: sandboxAdViews.customData });
    const [row] = await db.select().from(sandboxAdViews).where(eq(sandboxAdViews.customData, input.adUnlockId));
    if (!row || row.userId !== input.userId) throw new AppError('CONFLICT', 'This ad view belongs to someone else');
    return { viewId: row.id, creativeUrl: `${base}/creative.mp4`, durationMs: row.durationMs, completeUrl: `${base}/views/${row.id}/complete` };
  }

  async function complete(viewId: string, userId: string): Promise<{ viewId: string; completed: true }> {
    await db.transaction(async (tx) => {
      const [view] = await tx.select().from(sandboxAdViews).where(eq(sandboxAdViews.id, viewId)).for('update');
      // Someone else's view is as unknown as a missing one.
      if (!view || view.userId !== userId) throw notFound('Ad view');
      if (view.completedAt) return;
      const watchedMs = clock.now().getTime() - view.startedAt.getTime();
      if (watchedMs < view.durationMs) {
        throw new AppError('INVALID_STATE', 'The ad has not finished yet', { remainingMs: view.durationMs - watchedMs });
      }
      await tx
        .update(sandboxAdViews)
        .set({ completedAt: clock.now(), transactionId: randomBytes(16).toString('hex') })
        .where(and(eq(sandboxAdViews.id, viewId), isNull(sandboxAdViews.completedAt)));
      await deps.queue.enqueue(ADS_SANDBOX_CALLBACK_QUEUE, { viewId }, { tx, maxAttempts: CALLBACK_MAX_ATTEMPTS, dedupeKey: `ads-sandbox-callback:${viewId}` });
    });
    return { viewId, completed: true };
  }

  function verifyCallback(rawQuery: string): VerifiedReward {
    const { params, keyId } = verifySsvQuery(rawQuery, publicKeys);
    const timestampText = singleParam(params, 'timestamp');
    if (!/^\d{1,16}$/.test(timestampText)) throw new AppError('BAD_REQUEST', 'timestamp must be epoch milliseconds');
    const timestamp = Number(timestampText);
    if (Math.abs(clock.now().getTime() - timestamp) > deps.toleranceSeconds * 1000) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'The callback timestamp is outside the tolerance');
    }
    const transactionId = singleParam(params, 'transaction_id');
    if (!/^[0-9a-f]{16,64}$/.test(transactionId)) throw new AppError('BAD_REQUEST', 'transaction_id is not a hex id');
    return { transactionId, customData: singleParam(params, 'custom_data'), userId: singleParam(params, 'user_id'), timestamp: new Date(timestamp), keyId };
  }

  async function deliver(viewId: string, signal: AbortSignal): Promise<void> {
    const [view] = await db.select().from(sandboxAdViews).where(eq(sandboxAdViews.id, viewId));
    if (!view?.transactionId) return;
    // Each attempt is signed afresh (same transaction id), so a late retry is not refused as stale.
    const query = signSsvQuery(
      [
        ['ad_network', AD_NETWORK_ID],
        ['ad_unit', AD_UNIT_ID],
        ['custom_data', view.customData],
        ['reward_amount', '1'],
        ['reward_item', 'episode'],
        ['timestamp', String(clock.now().getTime())],
        ['transaction_id', view.transactionId],
        ['user_id', view.userId],
      ],
      signingKey,
    );
    let status = 0;
    try {
      const response = await fetch(`${base}/verify?${query}`, { signal: AbortSignal.any([signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]) });
      status = response.status;
      await response.arrayBuffer();
    } finally {
      await db
        .update(sandboxAdViews)
        .set({
          attempts: sql`${sandboxAdViews.attempts} + 1`,
          lastStatus: status,
          lastQuery: query,
          ...(status >= 200 && status < 300 ? { deliveredAt: clock.now() } : {}),
        })
        .where(eq(sandboxAdViews.id, viewId));
    }
    if (status >= 200 && status < 300) return;
    // The publisher read and refused it: asking again would get the same answer.
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new PermanentJobError(`ad callback ${viewId} got HTTP ${status}`);
    throw new Error(`ad callback ${viewId} got HTTP ${status}`);
  }

  return {
    name: 'sandbox',
    startView,
    verifyCallback,
    complete,
    creativeFile: () => ensureSandboxCreative(deps.creativeDir, deps.durationMs, deps.binaries),
    verifierKeys: () => [{ keyId: signingKey.keyId, pem: signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
    registerJobs(queue: Queue) {
      queue.work(
        ADS_SANDBOX_CALLBACK_QUEUE,
        async (payload, ctx) => {
          const { viewId } = payload;
          if (typeof viewId !== 'string') return;
          await deliver(viewId, ctx.signal);
        },
        { concurrency: 4 },
      );
    },
  };
}
