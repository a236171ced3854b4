import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/app.ts';
import { testPostgresUrl } from '../../../test/support/db.ts';
import type { Db } from '../../drivers/db/types.ts';
import { skus } from './schema.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

let t: TestPlatform;
let db: Db;
let productId = '';
let skuId = '';

beforeAll(async () => {
  t = await startTestPlatform();
  db = t.platform.drivers.database.db;
  const commerce = t.platform.modules.commerce.service;
  const signed = await t.platform.modules.identity.service.signUp({ email: `currency-${Date.now()}@example.com`, password: 'correct horse battery', displayName: 'Currency', role: 'merchant' });
  const merchant = { userId: signed.user.id, role: 'merchant' as const, deviceId: 'dev_test', viewerKey: signed.user.id, via: 'token' as const, csrfToken: null };
  const product = await commerce.createProduct(merchant, { title: 'Red handbag', skus: [{ options: { colour: 'red' }, priceMinor: 1999, currency: 'CNY', stock: 1 }] });
  productId = product.id;
  skuId = product.skus[0]?.id ?? '';
}, 120_000);
afterAll(async () => t.close());

const insertSku = (id: string, currency: string) =>
  db.execute(sql`insert into skus (id, product_id, options, price_minor, currency) values (${id}, ${productId}, ${JSON.stringify({ colour: id })}::jsonb, 100, ${currency})`);

describe(`skus.currency CHECK (${label})`, () => {
  it('refuses a currency that is not three capital letters even from raw SQL, on insert and on update', async () => {
    const bad = ['cny', 'Cny', 'RMB1', 'RM', '', ' CNY', 'CNY ', 'C1Y', 'ÀBC', 'CNY\n'];
    for (const [i, currency] of bad.entries()) {
      await expect(insertSku(`sku_bad_${i}`, currency), JSON.stringify(currency)).rejects.toThrow();
      await expect(db.execute(sql`update skus set currency = ${currency} where id = ${skuId}`), JSON.stringify(currency)).rejects.toThrow();
    }
    const rows = await db.select({ currency: skus.currency }).from(skus).where(eq(skus.productId, productId));
    expect(rows.map((r) => r.currency)).toEqual(['CNY']);

    // The same statements with a well-formed code go through: the CHECK is what refused the others.
    await expect(insertSku('sku_good', 'GBP')).resolves.toBeDefined();
    await expect(db.execute(sql`update skus set currency = 'USD' where id = ${skuId}`)).resolves.toBeDefined();
  });
});
