import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { count, eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { orgs } from '../identity/schema.ts';
import { products, skus } from './schema.ts';

interface Sku {
  id: string;
  options: Record<string, string>;
  priceMinor: number;
  currency: string;
  stock: { state: string; available: number };
  stockReserved?: number;
  stockSold?: number;
}
interface Product {
  id: string;
  shopId: string;
  title: string;
  status: string;
  images: string[];
  category: string | null;
  fromPriceMinor: number | null;
  currency: string | null;
  skus: Sku[];
  canManage?: boolean;
  shopName?: string;
}
interface Report {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: { line: number; sourceRef: string | null; reason: string }[];
}

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url)), 'utf8');

let t: TestPlatform;
let merchantA: TestClient;
let merchantB: TestClient;

beforeAll(async () => {
  t = await startTestPlatform();
  merchantA = await new TestClient(t.app).signUp('merchant');
  merchantB = await new TestClient(t.app).signUp('merchant');
}, 120_000);
afterAll(async () => t.close());

function importCsv(client: TestClient, format: string, csv: string, query = ''): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/products/import?format=${format}${query}`,
    headers: { cookie: client.cookieHeader(), 'x-csrf-token': client.csrfToken ?? '', 'content-type': 'text/csv; charset=utf-8' },
    payload: csv,
  });
}

async function productCount(shopId: string): Promise<number> {
  const [row] = await t.platform.drivers.database.db.select({ n: count() }).from(products).where(eq(products.shopId, shopId));
  return row?.n ?? 0;
}

const handbag = { title: 'Red handbag 红色手提包', images: ['https://example.com/bag.jpg'], skus: [{ options: { colour: 'red' }, priceMinor: 29900, currency: 'CNY', stock: 10 }] };

describe('catalogue import (the real files, through the HTTP API)', () => {
  it('imports all 176 litemall goods in CNY, and a second import changes nothing', async () => {
    const first = await importCsv(merchantA, 'litemall', fixture('litemall/litemall_goods_zh.csv'));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<Report>()).toMatchObject({ rows: 176, created: 176, updated: 0, unchanged: 0, skipped: [] });
    const shopId = merchantA.orgIds[0] ?? '';
    expect(await productCount(shopId)).toBe(176);
    const before = await t.platform.drivers.database.db.select().from(skus);

    const again = await importCsv(merchantA, 'litemall', fixture('litemall/litemall_goods_zh.csv'));
    expect(again.json<Report>()).toMatchObject({ rows: 176, created: 0, updated: 0, unchanged: 176, skipped: [] });
    expect(await productCount(shopId)).toBe(176);
    expect(await t.platform.drivers.database.db.select().from(skus)).toEqual(before);

    const [row] = await t.platform.drivers.database.db.select().from(products).where(eq(products.sourceRef, '1006002'));
    const product = (await new TestClient(t.app).get(`/api/v1/products/${row?.id ?? ''}`)).json<Product>();
    expect(product).toMatchObject({ title: '轻奢纯棉刺绣水洗四件套', category: '居家 / 床品件套', fromPriceMinor: 89900, currency: 'CNY' });
    expect(product.images).toEqual(['http://yanxuan.nosdn.127.net/8ab2d3287af0cefa2cc539e40600621d.png']);
    expect(product.skus).toHaveLength(1);
    expect(product.skus[0]?.stock).toEqual({ state: 'sold_out', available: 0 });

    // A changed row updates that product only.
    const edited = fixture('litemall/litemall_goods_zh.csv').replace('1006002,1006002,轻奢纯棉刺绣水洗四件套,设计师原款，精致绣花,,床品件套,居家,,件,919.00,899.00', '1006002,1006002,轻奢纯棉刺绣水洗四件套,设计师原款，精致绣花,,床品件套,居家,,件,919.00,799.50');
    expect((await importCsv(merchantA, 'litemall', edited)).json<Report>()).toMatchObject({ created: 0, updated: 1, unchanged: 175 });
    expect((await new TestClient(t.app).get(`/api/v1/products/${row?.id ?? ''}`)).json<Product>().fromPriceMinor).toBe(79950);
  }, 120_000);

  it('imports every one of the 3,912 online retail products in GBP, idempotently', async () => {
    const shopId = merchantB.orgIds[0] ?? '';
    const first = await importCsv(merchantB, 'online_retail', fixture('online_retail/online_retail_products.csv'));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<Report>()).toMatchObject({ rows: 3912, created: 3912, updated: 0, unchanged: 0, skipped: [] });
    expect(await productCount(shopId)).toBe(3912);
    expect((await importCsv(merchantB, 'online_retail', fixture('online_retail/online_retail_products.csv'))).json<Report>()).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 3912,
    });
    expect(await productCount(shopId)).toBe(3912);
    const [row] = await t.platform.drivers.database.db.select().from(products).where(eq(products.sourceRef, '21228'));
    expect((await merchantB.get(`/api/v1/products/${row?.id ?? ''}`)).json<Product>()).toMatchObject({ title: 'POCKET MIRROR "GLAMOROUS"', fromPriceMinor: 125, currency: 'GBP', canManage: true });
  }, 180_000);

  it('refuses a malformed file, a missing format, a JSON body and another shop, importing nothing', async () => {
    const shopId = merchantA.orgIds[0] ?? '';
    const before = await productCount(shopId);
    const malformed = await importCsv(merchantA, 'online_retail', 'stock_code,description,median_unit_price_gbp,units_sold\nX1,"open,1.00,1\n');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(malformed.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    expect((await importCsv(merchantA, 'shopify', 'a,b\n1,2\n')).statusCode).toBe(400);
    expect((await importCsv(merchantA, 'litemall', 'stock_code,description,median_unit_price_gbp,units_sold\nX1,x,1.00,1\n')).statusCode).toBe(400);
    expect((await merchantA.post('/api/v1/products/import?format=litemall', { csv: 'id,name' })).statusCode).toBe(400);
    const intoB = await importCsv(merchantA, 'online_retail', 'stock_code,description,median_unit_price_gbp,units_sold\nX1,x,1.00,1\n', `&shopId=${merchantB.orgIds[0] ?? ''}`);
    expect(intoB.statusCode).toBe(403);
    expect(await productCount(shopId)).toBe(before);
    expect(await productCount(merchantB.orgIds[0] ?? '')).toBe(3912);
  });
});

describe('merchant products', () => {
  it('creates products with variants, lists them by cursor, adds and edits SKUs, adjusts stock with an Idempotency-Key', async () => {
    const merchant = await new TestClient(t.app).signUp('merchant');
    const created = await merchant.post('/api/v1/products', {
      ...handbag,
      brand: 'Hengdian',
      category: '配件',
      skus: [
        { options: { colour: 'red', size: 'S' }, priceMinor: 29900, currency: 'CNY', stock: 3 },
        { options: { size: 'M', colour: 'red' }, priceMinor: 31900, currency: 'CNY', stock: 20 },
      ],
    });
    expect(created.statusCode, created.body).toBe(201);
    const product = created.json<Product>();
    expect(product.id).toMatch(/^prd_/);
    expect(product.skus.map((s) => s.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^sku_/)]));
    expect(product).toMatchObject({ fromPriceMinor: 29900, currency: 'CNY', status: 'active' });
    expect(product.skus[0]).toMatchObject({ stock: { state: 'low', available: 3 }, stockReserved: 0, stockSold: 0 });

    // The same options in another key order are the same variant.
    expect((await merchant.post(`/api/v1/products/${product.id}/skus`, { options: { size: 'S', colour: 'red' }, priceMinor: 100, currency: 'CNY' })).statusCode).toBe(409);
    expect((await merchant.post(`/api/v1/products/${product.id}/skus`, { options: { colour: 'red', size: 'L' }, priceMinor: 100, currency: 'GBP' })).statusCode).toBe(400);
    const large = await merchant.post(`/api/v1/products/${product.id}/skus`, { options: { colour: 'red', size: 'L' }, priceMinor: 33900, currency: 'CNY', stock: 1 });
    expect(large.statusCode).toBe(201);

    const skuId = product.skus[0]?.id ?? '';
    const noKey = await merchant.patch(`/api/v1/skus/${skuId}`, { stockAdjust: 5 });
    expect(noKey.json<{ code: string }>().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const adjust = () => merchant.request('PATCH', `/api/v1/skus/${skuId}`, { stockAdjust: 5, priceMinor: 27900 }, { 'idempotency-key': 'restock-handbag-0001' });
    expect((await adjust()).json<Sku>()).toMatchObject({ priceMinor: 27900, stock: { available: 8 } });
    const replay = await adjust();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((await merchant.get(`/api/v1/products/${product.id}`)).json<Product>().skus.find((s) => s.id === skuId)?.stock.available).toBe(8);
    const tooMany = await merchant.request('PATCH', `/api/v1/skus/${skuId}`, { stockAdjust: -9 }, { 'idempotency-key': 'writeoff-handbag-0001' });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json()).toMatchObject({ code: 'INSUFFICIENT_STOCK', skuId, available: 8 });
    expect((await merchant.patch(`/api/v1/skus/${skuId}`, { priceMinor: 25900 })).json<Sku>().priceMinor).toBe(25900);

    await merchant.post('/api/v1/products', { ...handbag, title: 'Second' });
    await merchant.post('/api/v1/products', { ...handbag, title: 'Third' });
    const page1 = (await merchant.get('/api/v1/products?limit=2')).json<{ items: Product[]; nextCursor: string | null }>();
    expect(page1.items.map((p) => p.title)).toEqual(['Third', 'Second']);
    const page2 = (await merchant.get(`/api/v1/products?limit=2&cursor=${page1.nextCursor ?? ''}`)).json<{ items: Product[]; nextCursor: string | null }>();
    expect(page2.items.map((p) => p.id)).toEqual([product.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it('refuses bad input with 400 problem+json and changes nothing', async () => {
    const merchant = await new TestClient(t.app).signUp('merchant');
    const sku = handbag.skus[0];
    const bad: Record<string, unknown>[] = [
      { ...handbag, skus: [{ ...sku, priceMinor: 299.5 }] },
      { ...handbag, skus: [{ ...sku, priceMinor: '29900' }] },
      { ...handbag, skus: [{ ...sku, priceMinor: 0 }] },
      { ...handbag, skus: [{ ...sku, priceMinor: -1 }] },
      { ...handbag, skus: [{ ...sku, currency: 'cny' }] },
      { ...handbag, skus: [{ ...sku, currency: 'RMB1' }] },
      { ...handbag, skus: [{ ...sku, currency: 'RMB' }] },
      { ...handbag, skus: [{ ...sku, stock: -1 }] },
      { ...handbag, skus: [{ ...sku, stock: 1.5 }] },
      { ...handbag, skus: [] },
      { ...handbag, skus: [sku, { ...sku, currency: 'GBP', options: { colour: 'blue' } }] },
      { ...handbag, skus: [sku, sku] },
      { ...handbag, title: '' },
      { ...handbag, images: ['javascript:alert(1)'] },
      { ...handbag, price: 100 },
    ];
    for (const body of bad) {
      const response = await merchant.post('/api/v1/products', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    }
    expect((await merchant.get('/api/v1/products')).json<{ items: Product[] }>().items).toHaveLength(0);

    const product = (await merchant.post('/api/v1/products', handbag)).json<Product>();
    const skuId = product.skus[0]?.id ?? '';
    for (const body of [{ priceMinor: 1.5 }, { priceMinor: '100' }, { stockAdjust: 0.5 }, {}, { stock: 5 }, { options: { colour: '' } }]) {
      const response = await merchant.request('PATCH', `/api/v1/skus/${skuId}`, body, { 'idempotency-key': `bad-${JSON.stringify(body)}-key` });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    for (const body of [{ status: 'deleted' }, { title: '' }, {}]) {
      expect((await merchant.patch(`/api/v1/products/${product.id}`, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    for (const body of [{ shippingFlatMinor: 5.5, freeShippingOverMinor: null, currency: 'CNY', restockOnRefund: true }, { shippingFlatMinor: 500, freeShippingOverMinor: 0, currency: 'CNY', restockOnRefund: true }]) {
      expect((await merchant.put('/api/v1/shop/settings', body)).statusCode).toBe(400);
    }
    const after = (await merchant.get(`/api/v1/products/${product.id}`)).json<Product>();
    expect(after).toMatchObject({ title: handbag.title, status: 'active', skus: [{ priceMinor: 29900, stock: { available: 10 } }] });
    expect((await merchant.get('/api/v1/shop/settings')).json<{ configured: boolean }>().configured).toBe(false);
  });

  it("merchant B never reads A's archived products nor changes any of A's products, SKUs, settings or shop", async () => {
    const a = await new TestClient(t.app).signUp('merchant');
    const b = merchantB;
    const active = (await a.post('/api/v1/products', handbag)).json<Product>();
    const archived = (await a.post('/api/v1/products', { ...handbag, title: 'Archived', status: 'archived' })).json<Product>();
    const activeSku = active.skus[0]?.id ?? '';
    const archivedSku = archived.skus[0]?.id ?? '';
    const shopA = a.orgIds[0] ?? '';

    expect((await b.get(`/api/v1/products/${archived.id}`)).statusCode).toBe(404);
    expect((await new TestClient(t.app).get(`/api/v1/products/${archived.id}`)).statusCode).toBe(404);
    // The product page names its shop as identity has it now.
    expect((await new TestClient(t.app).get(`/api/v1/products/${active.id}`)).json<Product>().shopName).toBe("Test merchant's shop");
    await t.platform.drivers.database.db.update(orgs).set({ name: 'Peony Leather 牡丹皮具' }).where(eq(orgs.id, shopA));
    const publicView = await b.get(`/api/v1/products/${active.id}`);
    expect(publicView.statusCode).toBe(200);
    expect(publicView.json<Product>()).toMatchObject({ shopId: shopA, shopName: 'Peony Leather 牡丹皮具', canManage: false });
    expect(publicView.json<Product>().skus[0]?.stockReserved).toBeUndefined();

    const key = { 'idempotency-key': 'matrix-key-000001' };
    const matrix: [string, () => Promise<LightMyRequestResponse>, number][] = [
      ['patch active', () => b.patch(`/api/v1/products/${active.id}`, { title: 'stolen' }), 403],
      ['archive active', () => b.patch(`/api/v1/products/${active.id}`, { status: 'archived' }), 403],
      ['patch archived', () => b.patch(`/api/v1/products/${archived.id}`, { status: 'active' }), 404],
      ['sku on active', () => b.post(`/api/v1/products/${active.id}/skus`, { options: { colour: 'x' }, priceMinor: 1, currency: 'CNY' }), 403],
      ['sku on archived', () => b.post(`/api/v1/products/${archived.id}/skus`, { options: { colour: 'x' }, priceMinor: 1, currency: 'CNY' }), 404],
      ['price of active sku', () => b.patch(`/api/v1/skus/${activeSku}`, { priceMinor: 1 }), 403],
      ['stock of active sku', () => b.request('PATCH', `/api/v1/skus/${activeSku}`, { stockAdjust: -10 }, key), 403],
      ['price of archived sku', () => b.patch(`/api/v1/skus/${archivedSku}`, { priceMinor: 1 }), 404],
      ['create in A', () => b.post('/api/v1/products', { ...handbag, shopId: shopA }), 403],
      ['import into A', () => importCsv(b, 'online_retail', 'stock_code,description,median_unit_price_gbp,units_sold\nZ1,x,1.00,1\n', `&shopId=${shopA}`), 403],
      ['list A', () => b.get(`/api/v1/products?shopId=${shopA}`), 403],
      ['settings of A', () => b.get(`/api/v1/shop/settings?shopId=${shopA}`), 403],
      ['set settings of A', () => b.put('/api/v1/shop/settings', { shopId: shopA, shippingFlatMinor: 99999, freeShippingOverMinor: null, currency: 'CNY', restockOnRefund: false }), 403],
    ];
    for (const [name, attempt, status] of matrix) {
      const response = await attempt();
      expect(response.statusCode, `${name}: ${response.body}`).toBe(status);
      expect(response.headers['content-type'], name).toMatch(/application\/problem\+json/);
    }
    const listed = (await b.get('/api/v1/products?limit=100')).json<{ items: Product[] }>().items;
    expect(listed.every((p) => p.shopId !== shopA)).toBe(true);

    // Roles: viewers and creators cannot create products; anonymous callers must sign in.
    const viewer = await new TestClient(t.app).signUp('viewer');
    const creator = await new TestClient(t.app).signUp('creator');
    expect((await viewer.post('/api/v1/products', handbag)).statusCode).toBe(403);
    expect((await creator.post('/api/v1/products', handbag)).statusCode).toBe(403);
    expect((await importCsv(creator, 'litemall', fixture('litemall/litemall_goods_zh.csv'))).statusCode).toBe(403);
    expect((await new TestClient(t.app).post('/api/v1/products', handbag)).statusCode).toBe(401);

    // Nothing of A's changed.
    const mine = (await a.get('/api/v1/products')).json<{ items: Product[] }>().items;
    expect(mine.map((p) => [p.title, p.status, p.skus.length, p.skus[0]?.priceMinor, p.skus[0]?.stock.available]).sort()).toEqual(
      [
        ['Archived', 'archived', 1, 29900, 0],
        [handbag.title, 'active', 1, 29900, 10],
      ].sort(),
    );
    expect((await a.get('/api/v1/shop/settings')).json<{ configured: boolean }>().configured).toBe(false);
    expect(await productCount(shopA)).toBe(2);
  });

  it('shop settings drive shipping: flat fee, free over an amount, one currency', async () => {
    const merchant = await new TestClient(t.app).signUp('merchant');
    const shopId = merchant.orgIds[0] ?? '';
    const commerce = t.platform.modules.commerce.service;
    expect(commerce.quoteShipping(await commerce.shopSettings(shopId), 100, 'GBP')).toEqual({ shippingMinor: 0, currency: 'GBP', rule: 'free' });
    const saved = await merchant.put('/api/v1/shop/settings', { shippingFlatMinor: 399, freeShippingOverMinor: 5000, currency: 'GBP', restockOnRefund: false });
    expect(saved.json()).toEqual({ shopId, shippingFlatMinor: 399, freeShippingOverMinor: 5000, currency: 'GBP', restockOnRefund: false, configured: true });
    expect(commerce.quoteShipping(await commerce.shopSettings(shopId), 4999, 'GBP')).toEqual({ shippingMinor: 399, currency: 'GBP', rule: 'flat' });
    expect(commerce.quoteShipping(await commerce.shopSettings(shopId), 5000, 'GBP')).toEqual({ shippingMinor: 0, currency: 'GBP', rule: 'free_over' });
    const settings = await commerce.shopSettings(shopId);
    await expect(Promise.resolve().then(() => commerce.quoteShipping(settings, 100, 'CNY'))).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect((await commerce.shopSettings(shopId)).restockOnRefund).toBe(false);
  });

  it('documents every commerce route in OpenAPI under the commerce tag, the import as text/csv', async () => {
    const document = (await new TestClient(t.app).get('/api/openapi.json')).json<{ paths: Record<string, Record<string, { tags?: string[]; requestBody?: { content: Record<string, unknown> } }>> }>();
    const expected: [string, string][] = [
      ['/api/v1/products', 'get'],
      ['/api/v1/products', 'post'],
      ['/api/v1/products/import', 'post'],
      ['/api/v1/products/{id}', 'get'],
      ['/api/v1/products/{id}', 'patch'],
      ['/api/v1/products/{id}/skus', 'post'],
      ['/api/v1/skus/{id}', 'patch'],
      ['/api/v1/shop/settings', 'get'],
      ['/api/v1/shop/settings', 'put'],
    ];
    for (const [path, method] of expected) expect(document.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['commerce']);
    expect(Object.keys(document.paths['/api/v1/products/import']?.post?.requestBody?.content ?? {})).toEqual(['text/csv']);
  });
});
