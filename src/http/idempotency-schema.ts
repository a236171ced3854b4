import { sql } from 'drizzle-orm';
import { check, integer, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** Idempotency-Key records: the first response to a (scope, key), replayed to every retry. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The caller: user id, else the anonymous viewer key. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** Method and route pattern: a key reused on another route is another request. */
    route: text('route').notNull(),
    requestHash: text('request_hash').notNull(),
    status: text('status', { enum: ['in_progress', 'done'] }).notNull().default('in_progress'),
    responseStatus: integer('response_status'),
    responseType: text('response_type'),
    responseBody: text('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [unique('idempotency_keys_scope_key_unique').on(t.scope, t.key), check('idempotency_keys_status_check', sql`${t.status} in ('in_progress','done')`)],
);
