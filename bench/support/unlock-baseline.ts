import pg from 'pg';
import { newId } from '../../src/core/ids.ts';

export interface UnlockJob {
  userId: string;
  episodeId: string;
  seriesId: string;
}

export interface LatencyRun {
  completed: number;
  failed: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * The write set of one coin unlock, bare: lock the viewer's wallet rows, append the journal entry,
 * move the balances (the paid one refused below zero, as the ledger does), append the postings, the
 * spend row and the entitlement, in one transaction. What the platform adds on top (HTTP, session,
 * CSRF, idempotency key, catalog lookup, caps, bonus lots, replay checks) is the difference.
 */
export const BASELINE_STATEMENTS = [
  'SELECT … FROM ledger_accounts WHERE owner = user AND purpose IN (coins_paid, coins_bonus) ORDER BY id FOR UPDATE',
  'INSERT INTO journal_entries',
  'UPDATE ledger_accounts SET balance = balance + delta (×2, id order; the paid one only if it stays ≥ 0)',
  'INSERT INTO postings (2 rows; the deferred balance trigger runs at COMMIT)',
  'INSERT INTO wallet_spends',
  'INSERT INTO entitlements',
];

async function unlockOnce(client: pg.PoolClient, job: UnlockJob, price: number, studioId: string, revenueAccountId: string): Promise<void> {
  await client.query('BEGIN');
  try {
    const wallet = await client.query<{ id: string; purpose: string }>(
      `SELECT id, purpose, balance FROM ledger_accounts
        WHERE owner_type = 'user' AND owner_id = $1 AND unit = 'COIN' AND purpose IN ('coins_paid', 'coins_bonus')
        ORDER BY id FOR UPDATE`,
      [job.userId],
    );
    const paid = wallet.rows.find((r) => r.purpose === 'coins_paid');
    if (!paid) throw new Error(`no paid account for ${job.userId}`);
    const entryId = newId('entry');
    await client.query(`INSERT INTO journal_entries (id, reference, kind, metadata) VALUES ($1, $2, 'coin_spend', $3)`, [
      entryId,
      `bare:spend:${job.userId}:unlock:${job.episodeId}`,
      JSON.stringify({ userId: job.userId, studioId, episodeId: job.episodeId }),
    ]);
    const moves = [
      { accountId: paid.id, amount: -price },
      { accountId: revenueAccountId, amount: price },
    ].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
    const after = new Map<string, number>();
    for (const move of moves) {
      const updated = await client.query<{ balance: string }>(
        'UPDATE ledger_accounts SET balance = balance + $2 WHERE id = $1 AND (allow_negative OR balance + $2 >= 0) RETURNING balance',
        [move.accountId, move.amount],
      );
      const row = updated.rows[0];
      if (!row) throw new Error('insufficient funds');
      after.set(move.accountId, Number(row.balance));
    }
    await client.query(
      `INSERT INTO postings (id, entry_id, account_id, unit, amount, balance_after) VALUES ($1, $2, $3, 'COIN', $4, $5), ($6, $2, $7, 'COIN', $8, $9)`,
      [newId('posting'), entryId, paid.id, -price, after.get(paid.id), newId('posting'), revenueAccountId, price, after.get(revenueAccountId)],
    );
    await client.query(
      `INSERT INTO wallet_spends (id, user_id, coins, paid_coins, bonus_coins, studio_id, reason, entry_id, created_at) VALUES ($1, $2, $3, $3, 0, $4, 'bench', $5, now())`,
      [newId('spend'), job.userId, price, studioId, entryId],
    );
    await client.query(`INSERT INTO entitlements (id, user_id, episode_id, series_id, source, reference) VALUES ($1, $2, $3, $4, 'coins', $5)`, [
      newId('entitlement'),
      job.userId,
      job.episodeId,
      job.seriesId,
      `bare:unlock:${job.userId}:${job.episodeId}`,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** Runs the jobs from `connections` connections at once, each taking the next job as it finishes one. */
export async function runBaseline(
  url: string,
  jobs: UnlockJob[],
  options: { connections: number; price: number; studioId: string; revenueAccountId: string },
): Promise<LatencyRun> {
  const pool = new pg.Pool({ connectionString: url, max: options.connections });
  const clients = await Promise.all(Array.from({ length: options.connections }, () => pool.connect()));
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = 0;
  const from = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        for (;;) {
          const job = jobs[next++];
          if (!job) return;
          const started = performance.now();
          try {
            await unlockOnce(client, job, options.price, options.studioId, options.revenueAccountId);
            latenciesMs.push(performance.now() - started);
          } catch {
            failed += 1;
          }
        }
      }),
    );
  } finally {
    for (const client of clients) client.release();
    await pool.end();
  }
  return { completed: latenciesMs.length, failed, seconds: (performance.now() - from) / 1000, latenciesMs };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}
