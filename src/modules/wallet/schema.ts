import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Bonus coins in lots with an expiry. The sum of a user's `remaining` equals the balance of their
 * coins_bonus ledger account: both change in the same transaction.
 */
export const walletBonusLots = pgTable(
  'wallet_bonus_lots',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    amount: integer('amount').notNull(),
    remaining: integer('remaining').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    entryId: text('entry_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('wallet_bonus_lots_user_idx').on(t.userId, t.expiresAt),
    check('wallet_bonus_lots_remaining_check', sql`${t.remaining} >= 0 AND ${t.remaining} <= ${t.amount}`),
  ],
);

/** One row per coin spend: caps are sums over a user's rows in the UTC day / month. */
export const walletSpends = pgTable(
  'wallet_spends',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull(),
    coins: integer('coins').notNull(),
    paidCoins: integer('paid_coins').notNull(),
    bonusCoins: integer('bonus_coins').notNull(),
    studioId: text('studio_id').notNull(),
    reason: text('reason').notNull(),
    entryId: text('entry_id').notNull().unique('wallet_spends_entry_uq'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('wallet_spends_user_time_idx').on(t.userId, t.createdAt), check('wallet_spends_coins_check', sql`${t.coins} > 0`)],
);

/** At most one check-in per user per UTC day (the primary key is the guard). */
export const walletCheckIns = pgTable(
  'wallet_check_ins',
  {
    userId: text('user_id').notNull(),
    day: text('day').notNull(),
    streak: integer('streak').notNull(),
    coins: integer('coins').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.day] })],
);

/** A viewer's own caps; no row = the operator default. A null column = no cap. */
export const walletCaps = pgTable(
  'wallet_caps',
  {
    userId: text('user_id').primaryKey(),
    dailyCoins: integer('daily_coins'),
    monthlyCoins: integer('monthly_coins'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [check('wallet_caps_nonnegative', sql`coalesce(${t.dailyCoins}, 0) >= 0 AND coalesce(${t.monthlyCoins}, 0) >= 0`)],
);
