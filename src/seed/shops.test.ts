import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/app.ts';
import { eq } from 'drizzle-orm';
import { products, skus } from '../modules/commerce/schema.ts';
import { DEMO_UK_PRODUCTS, seedDemoShops } from './shops.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
}, 120_000);
afterAll(async () => t.close());

describe('demo shops', () => {
  it('imports the real catalogues into two shops with shipping, variants and stock, and a second run changes nothing', async () => {
    const started = performance.now();
    const first = await seedDemoShops(t.platform, 'demo-password-1');
    const seconds = (performance.now() - started) / 1000;
    console.log(`demo shops seeded in ${seconds.toFixed(2)} s on ${t.platform.drivers.database.kind}`);
    expect(first.cn.report).toMatchObject({ created: 176, updated: 0, skipped: [] });
    expect(first.uk.report).toMatchObject({ created: DEMO_UK_PRODUCTS, updated: 0, skipped: [] });

    const commerce = t.platform.modules.commerce.service;
    expect(await commerce.shopSettings(first.cn.shopId)).toMatchObject({ currency: 'CNY', shippingFlatMinor: 1000, freeShippingOverMinor: 9900, configured: true });
    expect(await commerce.shopSettings(first.uk.shopId)).toMatchObject({ currency: 'GBP', shippingFlatMinor: 395, freeShippingOverMinor: 5000, configured: true });

    const rows = await t.platform.drivers.database.db.select().from(skus);
    expect(rows.every((r) => r.stockAvailable > 0)).toBe(true);
    expect(rows.some((r) => r.stockAvailable <= 5)).toBe(true);
    // 8 underwear goods × (2 colours × 3 sizes) + 4 suitcases × 3 colours; every other product one plain SKU.
    const withOptions = rows.filter((r) => Object.keys(r.options).length > 0);
    expect(withOptions).toHaveLength(8 * 6 + 4 * 3);
    expect(rows).toHaveLength(176 - 12 + 8 * 6 + 4 * 3 + DEMO_UK_PRODUCTS);
    expect(withOptions.some((r) => r.options.colour === '黑色' && r.options.size === 'XL')).toBe(true);

    // The UK shop holds the best seller of the whole file (PAPER CRAFT , LITTLE BIRDIE, 80,995 units).
    const uk = await t.platform.drivers.database.db.select().from(products).where(eq(products.shopId, first.uk.shopId));
    expect(uk.map((p) => p.sourceRef)).toContain('23843');
    expect(uk.find((p) => p.sourceRef === '23843')?.title).toBe('PAPER CRAFT , LITTLE BIRDIE');
    // …and not a product sold a handful of times (10123C: 5 units).
    expect(uk.map((p) => p.sourceRef)).not.toContain('10123C');

    const again = await seedDemoShops(t.platform, 'demo-password-1');
    expect(again.cn.report).toMatchObject({ created: 0, updated: 0, unchanged: 176 });
    expect(again.uk.report).toMatchObject({ created: 0, updated: 0, unchanged: DEMO_UK_PRODUCTS });
    expect(again.cn.shopId).toBe(first.cn.shopId);
    const after = await t.platform.drivers.database.db.select().from(skus);
    expect(after.map((r) => [r.id, r.stockAvailable, r.priceMinor]).sort()).toEqual(rows.map((r) => [r.id, r.stockAvailable, r.priceMinor]).sort());
  }, 60_000);
});
