import { and, asc, eq, gt, lte, max, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx, Tx } from '../../drivers/db/types.ts';
import type { PaymentsService } from '../payments/service.ts';
import { vipMemberships, vipPeriods, type VipPeriodSource } from './schema.ts';

export const VIP_PLAN_IDS = ['weekly', 'monthly'] as const;
export type VipPlanId = (typeof VIP_PLAN_IDS)[number];

export interface VipPlan {
  id: VipPlanId;
  days: number;
  priceMinor: number;
  currency: string;
}

const PLANS: VipPlan[] = [
  { id: 'weekly', days: 7, priceMinor: 299, currency: 'USD' },
  { id: 'monthly', days: 30, priceMinor: 999, currency: 'USD' },
];
export const VIP_PLANS: readonly VipPlan[] = Object.freeze(PLANS.map((plan) => Object.freeze(plan)));

export function vipPlan(id: string): VipPlan | null {
  return VIP_PLANS.find((p) => p.id === id) ?? null;
}

/** The payments purpose of every VIP charge, bought or renewed. */
export const VIP_PURPOSE = 'vip';

/**
 * Payments keep no metadata, so what a VIP payment buys travels in its reference.
 * A purchase: `buy.<purchaseId>.<planId>.<renew|once>` (every purchase its own payment).
 * A renewal: `renew.<userId>.<periodEndMs>.<planId>`: one per (membership, period end), so two workers
 * renewing at once make one payment. The plan adds nothing to that key: a membership's plan only
 * changes with a paid period, which moves its period end too.
 */
export type VipReference =
  | { kind: 'purchase'; purchaseId: string; planId: VipPlanId; autoRenew: boolean }
  | { kind: 'renewal'; userId: string; periodEnd: Date; planId: VipPlanId };

export function purchaseReference(purchaseId: string, planId: VipPlanId, autoRenew: boolean): string {
  return `buy.${purchaseId}.${planId}.${autoRenew ? 'renew' : 'once'}`;
}

export function renewalReference(userId: string, periodEnd: Date, planId: VipPlanId): string {
  return `renew.${userId}.${periodEnd.getTime()}.${planId}`;
}

export function parseVipReference(reference: string): VipReference | null {
  const parts = reference.split('.');
  if (parts.length !== 4) return null;
  const [kind = '', first = '', third = '', fourth = ''] = parts;
  if (kind === 'buy') {
    const plan = vipPlan(third);
    if (!first || !plan || (fourth !== 'renew' && fourth !== 'once')) return null;
    return { kind: 'purchase', purchaseId: first, planId: plan.id, autoRenew: fourth === 'renew' };
  }
  if (kind === 'renew') {
    const plan = vipPlan(fourth);
    const ms = Number(third);
    if (!first || !plan || !Number.isSafeInteger(ms)) return null;
    return { kind: 'renewal', userId: first, periodEnd: new Date(ms), planId: plan.id };
  }
  return null;
}

export interface VipPeriodView {
  id: string;
  planId: string;
  source: VipPeriodSource;
  paymentId: string;
  amountMinor: number;
  currency: string;
  startsAt: string;
  endsAt: string;
}

export interface VipMembershipView {
  active: boolean;
  /** The plan a renewal would charge: the one last bought. */
  planId: string;
  /** The current period's start (the last one's when none is current). */
  periodStart: string | null;
  /** Access lasts until here, paid periods queued back to back included. */
  periodEnd: string | null;
  autoRenew: boolean;
  /** The viewer cancelled: nothing renews, access continues until periodEnd. */
  cancelled: boolean;
  /** When the next charge is due, or null when nothing will be charged. */
  renewsAt: string | null;
  periods: VipPeriodView[];
}

export interface RecordPeriodInput {
  userId: string;
  paymentId: string;
  planId: VipPlanId;
  source: VipPeriodSource;
  amountMinor: number;
  currency: string;
  /** A purchase sets renewal to the buyer's choice on it; a renewal leaves it alone. */
  autoRenew?: boolean;
}

export interface RenewalTimes {
  /** Charge a period this long before it ends, so access runs on without a gap. */
  leadMs: number;
  /** A period that ended longer ago than this (the worker was down) is not charged any more. */
  graceMs: number;
}

export interface VipDeps {
  db: Db;
  clock: Clock;
  payments: Pick<PaymentsService, 'createPayment'>;
  /** Renewals have no page to return to; the provider still wants a URL. */
  publicUrl: string;
  log: Logger;
  renewal?: Partial<RenewalTimes>;
}

const DAY_MS = 86_400_000;
export const DEFAULT_RENEWAL: RenewalTimes = { leadMs: 30 * 60_000, graceMs: DAY_MS };

type MembershipRow = typeof vipMemberships.$inferSelect;
type PeriodRow = typeof vipPeriods.$inferSelect;

function periodView(row: PeriodRow): VipPeriodView {
  return {
    id: row.id,
    planId: row.planId,
    source: row.source,
    paymentId: row.paymentId,
    amountMinor: row.amountMinor,
    currency: row.currency,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
  };
}

export function createVipService(deps: VipDeps) {
  const { db, clock } = deps;
  const renewal: RenewalTimes = { ...DEFAULT_RENEWAL, ...deps.renewal };

  /** True while one of the user's paid periods covers this moment. */
  async function isActive(userId: string, executor: DbOrTx = db): Promise<boolean> {
    const now = clock.now();
    const rows = await executor
      .select({ id: vipPeriods.id })
      .from(vipPeriods)
      .where(and(eq(vipPeriods.userId, userId), lte(vipPeriods.startsAt, now), gt(vipPeriods.endsAt, now)))
      .limit(1);
    return rows.length > 0;
  }

  function membershipView(row: MembershipRow, periods: PeriodRow[]): VipMembershipView {
    const now = clock.now().getTime();
    const current = periods.find((p) => p.startsAt.getTime() <= now && p.endsAt.getTime() > now);
    const last = periods.at(-1);
    const end = periods.reduce<Date | null>((latest, p) => (latest && latest >= p.endsAt ? latest : p.endsAt), null);
    const active = current !== undefined;
    return {
      active,
      planId: row.planId,
      periodStart: (current ?? last)?.startsAt.toISOString() ?? null,
      periodEnd: end?.toISOString() ?? null,
      autoRenew: row.autoRenew,
      cancelled: row.cancelledAt !== null,
      renewsAt: active && row.autoRenew && end ? new Date(end.getTime() - renewal.leadMs).toISOString() : null,
      periods: periods.map(periodView),
    };
  }

  async function membership(userId: string, executor: DbOrTx = db): Promise<VipMembershipView | null> {
    const [row] = await executor.select().from(vipMemberships).where(eq(vipMemberships.userId, userId));
    if (!row) return null;
    const periods = await executor.select().from(vipPeriods).where(eq(vipPeriods.userId, userId)).orderBy(asc(vipPeriods.startsAt), asc(vipPeriods.id));
    return membershipView(row, periods);
  }

  async function lockMembership(tx: Tx, userId: string): Promise<MembershipRow> {
    const [row] = await tx.select().from(vipMemberships).where(eq(vipMemberships.userId, userId)).for('update');
    if (!row) throw new AppError('NOT_FOUND', 'You have no VIP membership');
    return row;
  }

  /**
   * Records one paid period inside the payment event's transaction. It starts at max(now, the current
   * period end) and is keyed by the payment id, so a repeated success event adds nothing.
   */
  async function recordPeriod(tx: Tx, input: RecordPeriodInput): Promise<{ recorded: boolean }> {
    const plan = vipPlan(input.planId);
    if (!plan) throw new Error(`unknown VIP plan ${input.planId}`);
    const now = clock.now();
    await tx
      .insert(vipMemberships)
      .values({ userId: input.userId, planId: plan.id, autoRenew: false, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: vipMemberships.userId });
    // The row lock orders this user's periods: two payments arriving at once queue back to back.
    await lockMembership(tx, input.userId);
    const [seen] = await tx.select({ id: vipPeriods.id }).from(vipPeriods).where(eq(vipPeriods.paymentId, input.paymentId));
    if (seen) return { recorded: false };
    const [latest] = await tx.select({ end: max(vipPeriods.endsAt) }).from(vipPeriods).where(eq(vipPeriods.userId, input.userId));
    const currentEnd = latest?.end ? new Date(latest.end) : null;
    const startsAt = currentEnd && currentEnd > now ? currentEnd : now;
    const endsAt = new Date(startsAt.getTime() + plan.days * DAY_MS);
    await tx.insert(vipPeriods).values({
      id: newId('vipPeriod'),
      userId: input.userId,
      planId: plan.id,
      paymentId: input.paymentId,
      source: input.source,
      amountMinor: input.amountMinor,
      currency: input.currency,
      startsAt,
      endsAt,
      createdAt: now,
    });
    await tx
      .update(vipMemberships)
      .set({
        planId: plan.id,
        updatedAt: now,
        // Buying again is joining again: renewal becomes what this purchase said (off unless ticked).
        ...(input.source === 'purchase' ? { autoRenew: input.autoRenew === true, cancelledAt: null } : {}),
      })
      .where(eq(vipMemberships.userId, input.userId));
    return { recorded: true };
  }

  async function setAutoRenew(userId: string, autoRenew: boolean): Promise<VipMembershipView> {
    await db.transaction(async (tx) => {
      const row = await lockMembership(tx, userId);
      if (autoRenew && !(await isActive(userId, tx))) throw new AppError('INVALID_STATE', 'Your VIP membership has ended; buy a plan to start again');
      // Turning renewal back on withdraws a cancellation; turning it off is not by itself a cancellation.
      await tx
        .update(vipMemberships)
        .set({ autoRenew, cancelledAt: autoRenew ? null : row.cancelledAt, updatedAt: clock.now() })
        .where(eq(vipMemberships.userId, userId));
    });
    return requireMembership(userId);
  }

  /** One call: renewal off and the cancellation stamped; paid periods run to their end. */
  async function cancel(userId: string): Promise<VipMembershipView> {
    await db.transaction(async (tx) => {
      const row = await lockMembership(tx, userId);
      const now = clock.now();
      await tx
        .update(vipMemberships)
        .set({ autoRenew: false, cancelledAt: row.cancelledAt ?? now, updatedAt: now })
        .where(eq(vipMemberships.userId, userId));
    });
    return requireMembership(userId);
  }

  async function requireMembership(userId: string): Promise<VipMembershipView> {
    const view = await membership(userId);
    if (!view) throw new AppError('NOT_FOUND', 'You have no VIP membership');
    return view;
  }

  /** Memberships with renewal on whose access ends within the lead time (and not too long ago). */
  async function dueRenewals(now: Date): Promise<{ userId: string; planId: string; periodEnd: Date }[]> {
    const ends = db
      .select({ userId: vipPeriods.userId, periodEnd: max(vipPeriods.endsAt).as('period_end') })
      .from(vipPeriods)
      .groupBy(vipPeriods.userId)
      .as('ends');
    const rows = await db
      .select({ userId: vipMemberships.userId, planId: vipMemberships.planId, periodEnd: ends.periodEnd })
      .from(vipMemberships)
      .innerJoin(ends, eq(ends.userId, vipMemberships.userId))
      .where(
        and(
          eq(vipMemberships.autoRenew, true),
          sql`${ends.periodEnd} <= ${new Date(now.getTime() + renewal.leadMs).toISOString()}::timestamptz`,
          sql`${ends.periodEnd} > ${new Date(now.getTime() - renewal.graceMs).toISOString()}::timestamptz`,
        ),
      );
    return rows.flatMap((r) => (r.periodEnd ? [{ userId: r.userId, planId: r.planId, periodEnd: new Date(r.periodEnd) }] : []));
  }

  /**
   * Charges the next period off-session for every membership due. The period itself is recorded when
   * the payment's success webhook arrives. Returns the payment ids asked for (existing ones included).
   */
  async function renewDue(now: Date): Promise<string[]> {
    const charged: string[] = [];
    for (const due of await dueRenewals(now)) {
      const plan = vipPlan(due.planId);
      if (!plan) {
        deps.log.error({ userId: due.userId, planId: due.planId }, 'VIP membership on an unknown plan; not renewed');
        continue;
      }
      try {
        const created = await deps.payments.createPayment({
          purpose: VIP_PURPOSE,
          reference: renewalReference(due.userId, due.periodEnd, plan.id),
          userId: due.userId,
          amountMinor: plan.priceMinor,
          currency: plan.currency,
          description: `VIP ${plan.id} renewal (${plan.days} days)`,
          returnUrl: `${deps.publicUrl.replace(/\/$/, '')}/vip`,
          offSession: true,
        });
        charged.push(created.paymentId);
      } catch (error) {
        // One member's failed charge must not hold up the others; the next run tries again.
        deps.log.error({ err: error, userId: due.userId }, 'VIP renewal charge failed');
      }
    }
    return charged;
  }

  return {
    plans: VIP_PLANS,
    isActive,
    membership,
    recordPeriod,
    setAutoRenew,
    cancel,
    renewDue,
    renewal,
  };
}

export type VipService = ReturnType<typeof createVipService>;
