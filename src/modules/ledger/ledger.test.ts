import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createLedgerService, type LedgerService } from './service.ts';

let database: TestDatabase;
let ledger: LedgerService;

beforeAll(async () => {
  database = await openTestDatabase();
  ledger = createLedgerService({ db: database.db });
});
afterAll(async () => {
  await database.drop();
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function messageChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(' | ');
}

async function accounts() {
  const issuance = await ledger.ensureAccount(database.db, { ownerType: 'platform', ownerId: 'platform', purpose: 'coin_issuance', unit: 'COIN', allowNegative: true });
  const wallet = await ledger.ensureAccount(database.db, { ownerType: 'user', ownerId: `usr_${Math.random()}`, purpose: 'coins_paid', unit: 'COIN' });
  return { issuance, wallet };
}

describe('ledger', () => {
  it('posts a balanced entry, keeps the balance in the row and replays a reference without posting again', async () => {
    const { issuance, wallet } = await accounts();
    const first = await ledger.post(undefined, { reference: 'ref-1', kind: 'topup', postings: [{ accountId: issuance.id, amount: -100 }, { accountId: wallet.id, amount: 100 }] });
    const again = await ledger.post(undefined, { reference: 'ref-1', kind: 'topup', postings: [{ accountId: issuance.id, amount: -100 }, { accountId: wallet.id, amount: 100 }] });
    expect(first.replayed).toBe(false);
    expect(again).toMatchObject({ entryId: first.entryId, replayed: true });
    expect(await ledger.balance(wallet.id)).toBe(100);
    const page = await ledger.entries(wallet.id, null);
    expect(page.items.map((m) => [m.amount, m.balanceAfter])).toEqual([[100, 100]]);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('refuses an unbalanced entry in code', async () => {
    const { issuance, wallet } = await accounts();
    const error = await errorOf(ledger.post(undefined, { reference: 'bad', kind: 'x', postings: [{ accountId: issuance.id, amount: -5 }, { accountId: wallet.id, amount: 4 }] }));
    expect(isAppError(error) && error.code).toBe('VALIDATION_FAILED');
    expect(await ledger.entryByReference('bad')).toBeNull();
  });

  it('refuses an overdraft with INSUFFICIENT_FUNDS and leaves nothing behind', async () => {
    const { issuance, wallet } = await accounts();
    const error = await errorOf(ledger.post(undefined, { reference: 'over', kind: 'spend', postings: [{ accountId: wallet.id, amount: -1 }, { accountId: issuance.id, amount: 1 }] }));
    expect(isAppError(error) && error.code).toBe('INSUFFICIENT_FUNDS');
    expect(await ledger.entryByReference('over')).toBeNull();
    expect(await ledger.balance(wallet.id)).toBe(0);
  });

  it('the CHECK refuses a negative balance even through raw SQL', async () => {
    const { wallet } = await accounts();
    const error = await errorOf(database.db.execute(sql`update ledger_accounts set balance = -1 where id = ${wallet.id}`));
    expect(messageChain(error)).toMatch(/ledger_accounts_balance_check/);
  });

  it('the database refuses an unbalanced entry inserted with raw SQL, at commit', async () => {
    const { wallet } = await accounts();
    const error = await errorOf(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into journal_entries (id, reference, kind) values ('jrn_raw', 'raw-1', 'x')`);
        await tx.execute(sql`insert into postings (id, entry_id, account_id, unit, amount, balance_after) values ('pst_raw', 'jrn_raw', ${wallet.id}, 'COIN', 7, 7)`);
      }),
    );
    expect(messageChain(error)).toMatch(/does not balance/);
    expect(await ledger.entryByReference('raw-1')).toBeNull();
  });

  it('postings and entries cannot be updated or deleted', async () => {
    const { issuance, wallet } = await accounts();
    const { entryId } = await ledger.post(undefined, { reference: 'imm', kind: 'topup', postings: [{ accountId: issuance.id, amount: -3 }, { accountId: wallet.id, amount: 3 }] });
    for (const statement of [
      sql`update postings set amount = 300 where entry_id = ${entryId}`,
      sql`delete from postings where entry_id = ${entryId}`,
      sql`update journal_entries set kind = 'other' where id = ${entryId}`,
      sql`delete from journal_entries where id = ${entryId}`,
    ]) {
      expect(messageChain(await errorOf(database.db.execute(statement)))).toMatch(/append-only/);
    }
    expect(await ledger.balance(wallet.id)).toBe(3);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('the same reference used for another kind is an idempotency conflict', async () => {
    const { issuance, wallet } = await accounts();
    await ledger.post(undefined, { reference: 'k1', kind: 'topup', postings: [{ accountId: issuance.id, amount: -1 }, { accountId: wallet.id, amount: 1 }] });
    const error = await errorOf(ledger.post(undefined, { reference: 'k1', kind: 'refund', postings: [{ accountId: wallet.id, amount: -1 }, { accountId: issuance.id, amount: 1 }] }));
    expect(isAppError(error) && error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await ledger.balance(wallet.id)).toBe(1);
  });
});
