import type { Db } from '../../drivers/db/types.ts';
import type { AccountMovement, LedgerService } from '../ledger/service.ts';

export interface WalletHistoryItem {
  entryId: string;
  kind: string;
  description: string;
  /** Net change of the wallet (paid + bonus). */
  amount: number;
  paid: number;
  bonus: number;
  /** Wallet balance (paid + bonus, expired bonus included until swept) right after this movement. */
  balanceAfter: number;
  paidAfter: number;
  bonusAfter: number;
  createdAt: string;
}

function describe(kind: string, metadata: Record<string, unknown>, amount: number): string {
  const reason = typeof metadata.reason === 'string' ? metadata.reason : null;
  const source = typeof metadata.source === 'string' ? metadata.source : null;
  switch (kind) {
    case 'coin_topup':
      return `Bought ${amount} coins`;
    case 'bonus_grant':
      return source === 'check_in' ? `Daily check-in: ${amount} bonus coins` : `Bonus: ${amount} coins${source ? ` (${source})` : ''}`;
    case 'coin_spend':
      return `Spent ${-amount} coins${reason ? ` on ${reason}` : ''}`;
    case 'coin_refund':
      return `Refunded ${-amount} unused coins`;
    case 'bonus_expiry':
      return `${-amount} bonus coins expired`;
    default:
      return kind.replaceAll('_', ' ');
  }
}

/** The wallet's movements, newest first, one item per journal entry (a spend may touch paid and bonus). */
export function createWalletHistory(deps: { db: Db; ledger: LedgerService }) {
  const { db, ledger } = deps;

  async function lastBalanceBefore(accountId: string | undefined, seq: number): Promise<number> {
    if (!accountId) return 0;
    const [previous] = await ledger.movements([accountId], seq, 1);
    return previous?.balanceAfter ?? 0;
  }

  async function history(userId: string, cursor: string | null, limit = 30): Promise<{ items: WalletHistoryItem[]; nextCursor: string | null }> {
    const paid = await ledger.findAccount(db, { ownerType: 'user', ownerId: userId, purpose: 'coins_paid', unit: 'COIN' });
    const bonus = await ledger.findAccount(db, { ownerType: 'user', ownerId: userId, purpose: 'coins_bonus', unit: 'COIN' });
    const accountIds = [paid?.id, bonus?.id].filter((id): id is string => Boolean(id));
    const beforeSeq = cursor && /^\d+$/.test(cursor) ? Number(cursor) : null;
    // An entry has at most one posting per wallet account, so 2 × limit rows hold `limit` whole entries.
    const fetchRows = 2 * limit + 1;
    const rows = await ledger.movements(accountIds, beforeSeq, fetchRows);
    const groups = new Map<string, AccountMovement[]>();
    for (const row of rows) groups.set(row.entryId, [...(groups.get(row.entryId) ?? []), row]);
    let entries = [...groups.values()];
    let hasMore = false;
    if (rows.length === fetchRows) {
      // The oldest group may be cut by the row limit: leave it for the next page.
      entries = entries.slice(0, -1);
      hasMore = true;
    }
    if (entries.length > limit) {
      entries = entries.slice(0, limit);
      hasMore = true;
    }
    const oldestSeq = Math.min(...entries.flatMap((group) => group.map((m) => m.seq)));
    let paidAfter = entries.length ? await lastBalanceBefore(paid?.id, oldestSeq) : 0;
    let bonusAfter = entries.length ? await lastBalanceBefore(bonus?.id, oldestSeq) : 0;
    const items: WalletHistoryItem[] = [];
    for (const group of [...entries].reverse()) {
      let paidDelta = 0;
      let bonusDelta = 0;
      for (const m of group) {
        if (m.accountId === paid?.id) {
          paidDelta += m.amount;
          paidAfter = m.balanceAfter;
        } else {
          bonusDelta += m.amount;
          bonusAfter = m.balanceAfter;
        }
      }
      const first = group[0];
      if (!first) continue;
      const amount = paidDelta + bonusDelta;
      items.push({
        entryId: first.entryId,
        kind: first.kind,
        description: describe(first.kind, first.metadata, amount),
        amount,
        paid: paidDelta,
        bonus: bonusDelta,
        balanceAfter: paidAfter + bonusAfter,
        paidAfter,
        bonusAfter,
        createdAt: first.createdAt.toISOString(),
      });
    }
    items.reverse();
    return { items, nextCursor: hasMore && entries.length > 0 ? String(oldestSeq) : null };
  }

  return { history };
}
