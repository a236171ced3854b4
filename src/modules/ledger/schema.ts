import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * One balance per (owner, purpose, unit). `balance` is kept in the row and only ever changed by
 * `balance = balance + delta` in the transaction that inserts the postings; the CHECK is the last
 * line of defence against an overdraft that code failed to refuse.
 */
export const ledgerAccounts = pgTable(
  'ledger_accounts',
  {
    id: text('id').primaryKey(),
    ownerType: text('owner_type').notNull(),
    ownerId: text('owner_id').notNull(),
    purpose: text('purpose').notNull(),
    unit: text('unit').notNull(),
    allowNegative: boolean('allow_negative').notNull().default(false),
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('ledger_accounts_owner_uq').on(t.ownerType, t.ownerId, t.purpose, t.unit),
    check('ledger_accounts_balance_check', sql`${t.allowNegative} OR ${t.balance} >= 0`),
  ],
);

/** Immutable (see the ledger_guards migration). `reference` is the operation's idempotency key. */
export const journalEntries = pgTable('journal_entries', {
  id: text('id').primaryKey(),
  reference: text('reference').notNull().unique('journal_entries_reference_uq'),
  kind: text('kind').notNull(),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const postings = pgTable(
  'postings',
  {
    id: text('id').primaryKey(),
    // Commit-independent order per account: assigned while the account row is locked by the balance update.
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    entryId: text('entry_id')
      .notNull()
      .references(() => journalEntries.id),
    accountId: text('account_id')
      .notNull()
      .references(() => ledgerAccounts.id),
    unit: text('unit').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('postings_entry_idx').on(t.entryId),
    index('postings_account_seq_idx').on(t.accountId, t.seq),
    check('postings_amount_nonzero', sql`${t.amount} <> 0`),
  ],
);
