import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx, Tx } from '../../drivers/db/types.ts';
import { pgErrorCode, PG_CHECK_VIOLATION } from '../../drivers/db/errors.ts';
import { journalEntries, ledgerAccounts, postings } from './schema.ts';

export type OwnerType = 'user' | 'studio' | 'platform' | 'external';

export interface AccountKey {
  ownerType: OwnerType;
  ownerId: string;
  purpose: string;
  /** 'COIN' or an ISO 4217 currency. */
  unit: string;
  allowNegative?: boolean;
}

export interface Account {
  id: string;
  ownerType: string;
  ownerId: string;
  purpose: string;
  unit: string;
  allowNegative: boolean;
  balance: number;
}

export interface PostingInput {
  accountId: string;
  amount: number;
}

export interface PostInput {
  reference: string;
  kind: string;
  postings: PostingInput[];
  metadata?: Record<string, unknown>;
}

export interface PostResult {
  entryId: string;
  replayed: boolean;
  /** Balance of each posted account right after this entry (empty on a replay). */
  balancesAfter: Map<string, number>;
}

export interface AccountMovement {
  postingId: string;
  seq: number;
  entryId: string;
  reference: string;
  kind: string;
  metadata: Record<string, unknown>;
  accountId: string;
  amount: number;
  balanceAfter: number;
  createdAt: Date;
}

export interface LedgerReport {
  ok: boolean;
  unbalancedEntries: string[];
  mismatchedAccounts: { accountId: string; balance: number; sumOfPostings: number }[];
  negativeAccounts: string[];
}

function isTransaction(executor: DbOrTx): executor is Tx {
  return executor instanceof PgTransaction;
}

export type LedgerService = ReturnType<typeof createLedgerService>;

export function createLedgerService(deps: { db: Db }) {
  const { db } = deps;

  /** Runs `work` in the caller's transaction, or in a new one when given the bare database. */
  async function inTransaction<T>(executor: DbOrTx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
    if (executor && isTransaction(executor)) return work(executor);
    return (executor ?? db).transaction((tx) => work(tx));
  }

  async function ensureAccount(executor: DbOrTx, key: AccountKey): Promise<Account> {
    await executor
      .insert(ledgerAccounts)
      .values({ id: newId('account'), ownerType: key.ownerType, ownerId: key.ownerId, purpose: key.purpose, unit: key.unit, allowNegative: key.allowNegative ?? false })
      .onConflictDoNothing();
    const [row] = await executor
      .select()
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.ownerType, key.ownerType), eq(ledgerAccounts.ownerId, key.ownerId), eq(ledgerAccounts.purpose, key.purpose), eq(ledgerAccounts.unit, key.unit)));
    if (!row) throw new AppError('INTERNAL', 'Ledger account could not be created');
    return row;
  }

  async function findAccount(executor: DbOrTx, key: Omit<AccountKey, 'allowNegative'>): Promise<Account | null> {
    const [row] = await executor
      .select()
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.ownerType, key.ownerType), eq(ledgerAccounts.ownerId, key.ownerId), eq(ledgerAccounts.purpose, key.purpose), eq(ledgerAccounts.unit, key.unit)));
    return row ?? null;
  }

  /** Locks the accounts (in id order, so two lockers never deadlock) until the transaction ends. */
  async function lockAccounts(tx: Tx, accountIds: string[]): Promise<Map<string, Account>> {
    const ids = [...new Set(accountIds)].sort();
    if (ids.length === 0) return new Map();
    const rows = await tx.select().from(ledgerAccounts).where(inArray(ledgerAccounts.id, ids)).orderBy(ledgerAccounts.id).for('update');
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * Creates the owner's accounts for `purposes` if missing and locks them all (id order) until the
   * transaction ends: one statement once they exist, so a wallet's hot path stays short. Keyed by purpose.
   */
  async function ensureAndLockOwnerAccounts(
    tx: Tx,
    key: { ownerType: OwnerType; ownerId: string; unit: string; purposes: string[] },
  ): Promise<Map<string, Account>> {
    const lockAll = () =>
      tx
        .select()
        .from(ledgerAccounts)
        .where(and(eq(ledgerAccounts.ownerType, key.ownerType), eq(ledgerAccounts.ownerId, key.ownerId), eq(ledgerAccounts.unit, key.unit), inArray(ledgerAccounts.purpose, key.purposes)))
        .orderBy(ledgerAccounts.id)
        .for('update');
    // Accounts exist after an owner's first operation: lock them in one statement. Only a first
    // operation creates them (two racing first operations both insert; the unique key keeps one).
    const existing = await lockAll();
    if (existing.length === new Set(key.purposes).size) return new Map(existing.map((r) => [r.purpose, r]));
    await tx
      .insert(ledgerAccounts)
      .values(key.purposes.map((purpose) => ({ id: newId('account'), ownerType: key.ownerType, ownerId: key.ownerId, purpose, unit: key.unit })))
      .onConflictDoNothing();
    const rows = await lockAll();
    return new Map(rows.map((r) => [r.purpose, r]));
  }

  /**
   * Records one balanced journal entry once per reference. A replay (same reference) posts nothing.
   * An account without allow_negative that would go below zero fails the whole entry with INSUFFICIENT_FUNDS.
   */
  async function post(executor: DbOrTx | undefined, input: PostInput): Promise<PostResult> {
    if (input.postings.length < 2) throw new AppError('VALIDATION_FAILED', 'A journal entry needs at least two postings');
    for (const p of input.postings) {
      if (!Number.isSafeInteger(p.amount) || p.amount === 0) throw new AppError('VALIDATION_FAILED', `Posting amount must be a non-zero integer, got ${p.amount}`);
    }
    return inTransaction(executor, async (tx) => {
      const accountIds = [...new Set(input.postings.map((p) => p.accountId))].sort();
      const accounts = await tx.select({ id: ledgerAccounts.id, unit: ledgerAccounts.unit }).from(ledgerAccounts).where(inArray(ledgerAccounts.id, accountIds));
      const unitOf = new Map(accounts.map((a) => [a.id, a.unit]));
      const sums = new Map<string, number>();
      for (const p of input.postings) {
        const unit = unitOf.get(p.accountId);
        if (!unit) throw new AppError('VALIDATION_FAILED', `Unknown ledger account ${p.accountId}`);
        sums.set(unit, (sums.get(unit) ?? 0) + p.amount);
      }
      for (const [unit, sum] of sums) {
        if (sum !== 0) throw new AppError('VALIDATION_FAILED', `Journal entry does not balance: ${unit} postings sum to ${sum}`);
      }

      const entryId = newId('entry');
      const inserted = await tx
        .insert(journalEntries)
        .values({ id: entryId, reference: input.reference, kind: input.kind, metadata: input.metadata ?? {} })
        .onConflictDoNothing({ target: journalEntries.reference })
        .returning({ id: journalEntries.id });
      if (inserted.length === 0) {
        const [existing] = await tx.select({ id: journalEntries.id, kind: journalEntries.kind }).from(journalEntries).where(eq(journalEntries.reference, input.reference));
        if (!existing) throw new AppError('INTERNAL', 'Journal entry reference vanished');
        if (existing.kind !== input.kind) {
          throw new AppError('IDEMPOTENCY_CONFLICT', `Reference ${input.reference} was already used for a ${existing.kind} entry`);
        }
        return { entryId: existing.id, replayed: true, balancesAfter: new Map() };
      }

      // Net per account, applied in id order so concurrent entries touching the same accounts cannot deadlock.
      const net = new Map<string, number>();
      for (const p of input.postings) net.set(p.accountId, (net.get(p.accountId) ?? 0) + p.amount);
      const balancesAfter = new Map<string, number>();
      for (const accountId of accountIds) {
        const delta = net.get(accountId) ?? 0;
        const [updated] = await tx
          .update(ledgerAccounts)
          .set({ balance: sql`${ledgerAccounts.balance} + ${delta}` })
          .where(and(eq(ledgerAccounts.id, accountId), sql`(${ledgerAccounts.allowNegative} OR ${ledgerAccounts.balance} + ${delta} >= 0)`))
          .returning({ balance: ledgerAccounts.balance });
        if (!updated) {
          const [current] = await tx.select({ balance: ledgerAccounts.balance }).from(ledgerAccounts).where(eq(ledgerAccounts.id, accountId));
          throw new AppError('INSUFFICIENT_FUNDS', 'Not enough balance on the account', { accountId, balance: current?.balance ?? 0, needed: -delta });
        }
        balancesAfter.set(accountId, updated.balance);
      }

      // Running balance per posting, so history shows "balance after" even with two postings to one account.
      const running = new Map<string, number>();
      for (const accountId of accountIds) running.set(accountId, (balancesAfter.get(accountId) ?? 0) - (net.get(accountId) ?? 0));
      const rows = input.postings.map((p) => {
        const after = (running.get(p.accountId) ?? 0) + p.amount;
        running.set(p.accountId, after);
        return { id: newId('posting'), entryId, accountId: p.accountId, unit: unitOf.get(p.accountId) ?? '', amount: p.amount, balanceAfter: after };
      });
      await tx.insert(postings).values(rows);
      return { entryId, replayed: false, balancesAfter };
    }).catch((error: unknown) => {
      if (pgErrorCode(error) === PG_CHECK_VIOLATION) throw new AppError('INSUFFICIENT_FUNDS', 'Not enough balance on the account');
      throw error;
    });
  }

  async function balance(accountId: string, executor: DbOrTx = db): Promise<number> {
    const [row] = await executor.select({ balance: ledgerAccounts.balance }).from(ledgerAccounts).where(eq(ledgerAccounts.id, accountId));
    if (!row) throw new AppError('NOT_FOUND', 'Ledger account was not found');
    return row.balance;
  }

  async function entryByReference(reference: string, executor: DbOrTx = db) {
    const [row] = await executor.select().from(journalEntries).where(eq(journalEntries.reference, reference));
    return row ?? null;
  }

  /** Movements on the given accounts, newest first; `beforeSeq` is the cursor (the last page's smallest seq). */
  async function movements(accountIds: string[], beforeSeq: number | null, limit: number): Promise<AccountMovement[]> {
    if (accountIds.length === 0) return [];
    const where = beforeSeq === null ? inArray(postings.accountId, accountIds) : and(inArray(postings.accountId, accountIds), lt(postings.seq, beforeSeq));
    const rows = await db
      .select({
        postingId: postings.id,
        seq: postings.seq,
        entryId: postings.entryId,
        reference: journalEntries.reference,
        kind: journalEntries.kind,
        metadata: journalEntries.metadata,
        accountId: postings.accountId,
        amount: postings.amount,
        balanceAfter: postings.balanceAfter,
        createdAt: postings.createdAt,
      })
      .from(postings)
      .innerJoin(journalEntries, eq(journalEntries.id, postings.entryId))
      .where(where)
      .orderBy(desc(postings.seq))
      .limit(limit);
    return rows.map((r) => ({ ...r, seq: Number(r.seq), amount: Number(r.amount), balanceAfter: Number(r.balanceAfter) }));
  }

  /** Same as `movements` for one account, with an opaque cursor. */
  async function entries(accountId: string, cursor: string | null, limit = 50): Promise<{ items: AccountMovement[]; nextCursor: string | null }> {
    const beforeSeq = cursor && /^\d+$/.test(cursor) ? Number(cursor) : null;
    const items = await movements([accountId], beforeSeq, limit);
    const last = items.at(-1);
    return { items, nextCursor: items.length === limit && last ? String(last.seq) : null };
  }

  /** Full audit: every entry balances per unit, every balance equals the sum of its postings, no barred account negative. */
  async function verify(): Promise<LedgerReport> {
    const unbalanced = await db
      .select({ entryId: postings.entryId })
      .from(postings)
      .groupBy(postings.entryId, postings.unit)
      .having(sql`sum(${postings.amount}) <> 0`);
    const total = sql<string>`coalesce(sum(${postings.amount}), 0)`;
    const mismatched = await db
      .select({ accountId: ledgerAccounts.id, balance: ledgerAccounts.balance, total })
      .from(ledgerAccounts)
      .leftJoin(postings, eq(postings.accountId, ledgerAccounts.id))
      .groupBy(ledgerAccounts.id, ledgerAccounts.balance)
      .having(sql`${ledgerAccounts.balance} <> coalesce(sum(${postings.amount}), 0)`);
    const negative = await db
      .select({ id: ledgerAccounts.id })
      .from(ledgerAccounts)
      .where(and(eq(ledgerAccounts.allowNegative, false), lt(ledgerAccounts.balance, 0)));
    const mismatchedAccounts = mismatched.map((r) => ({ accountId: r.accountId, balance: Number(r.balance), sumOfPostings: Number(r.total) }));
    const unbalancedEntries = [...new Set(unbalanced.map((r) => r.entryId))];
    return {
      ok: unbalancedEntries.length === 0 && mismatchedAccounts.length === 0 && negative.length === 0,
      unbalancedEntries,
      mismatchedAccounts,
      negativeAccounts: negative.map((r) => r.id),
    };
  }

  return { inTransaction, ensureAccount, ensureAndLockOwnerAccounts, findAccount, lockAccounts, post, balance, entryByReference, movements, entries, verify };
}
