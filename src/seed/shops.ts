import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Platform } from '../app.ts';
import type { Caller } from '../http/context.ts';
import { parseCatalogue, type CatalogueFormat, type ImportItem, type ImportReport, type MerchantProductView } from '../modules/commerce/service.ts';

/** The two demo merchants; each gets a shop at sign-up. */
export const DEMO_SHOP_ACCOUNTS = {
  cn: 'shop-cn@demo.dualstream.local',
  uk: 'shop-uk@demo.dualstream.local',
} as const;

/** The UK shop carries the best sellers of the Online Retail file, not all 3,912 products. */
export const DEMO_UK_PRODUCTS = 200;

const fixture = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url));

/** Variants for goods where a buyer picks colour and size; the listed price stays the import's. */
const VARIANTS: Record<string, { option: 'size' | 'colour'; values: string[] }[]> = {
  '服装 / 内裤': [
    { option: 'colour', values: ['黑色', '雾蓝'] },
    { option: 'size', values: ['M', 'L', 'XL'] },
  ],
  '配件 / 功能箱包': [{ option: 'colour', values: ['银色', '曜石黑', '樱花粉'] }],
};

/** Stable per product, so every seed of a fresh database looks the same: mostly 20–199, some low. */
function demoStock(key: string): number {
  const n = createHash('sha256').update(key).digest().readUInt32BE(0);
  return n % 10 === 0 ? 3 + (n % 3) : 20 + (n % 180);
}

function combinations(axes: { option: string; values: string[] }[]): Record<string, string>[] {
  return axes.reduce<Record<string, string>[]>((acc, axis) => acc.flatMap((partial) => axis.values.map((value) => ({ ...partial, [axis.option]: value }))), [{}]);
}

function callerFor(userId: string): Caller {
  return { userId, role: 'merchant', deviceId: 'dev_seed', viewerKey: userId, via: 'token', csrfToken: null };
}

export interface DemoShops {
  cn: { shopId: string; merchantId: string; report: ImportReport };
  uk: { shopId: string; merchantId: string; report: ImportReport };
}

/**
 * Two demo shops backed by the real catalogues: all 176 litemall goods (CNY) and the 200 best
 * selling Online Retail products (GBP), with shipping rules, colour/size variants and stock.
 * Safe to run again: the import is idempotent (stock is given only to the products it creates),
 * and variants are added only to products still on their one plain SKU.
 */
export async function seedDemoShops(platform: Platform, password: string): Promise<DemoShops> {
  const identity = platform.modules.identity.service;
  const commerce = platform.modules.commerce.service;

  async function shopOf(email: string, displayName: string, orgName: string): Promise<{ shopId: string; caller: Caller }> {
    const user = await identity.ensureUser({ email, password, displayName, role: 'merchant', orgName });
    const [shopId] = await identity.orgIdsOf(user.id, 'shop');
    if (!shopId) throw new Error(`demo merchant ${email} has no shop`);
    return { shopId, caller: callerFor(user.id) };
  }

  async function allProducts(caller: Caller, shopId: string): Promise<MerchantProductView[]> {
    const items: MerchantProductView[] = [];
    let cursor: string | null = null;
    do {
      const page = await commerce.listProducts(caller, cursor, { shopId, limit: 100 });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** Colour/size variants for the goods that have them, once: a product still on its one plain SKU. */
  async function addVariants(caller: Caller, shopId: string): Promise<void> {
    for (const product of await allProducts(caller, shopId)) {
      const axes = VARIANTS[product.category ?? ''];
      const plain = product.skus.length === 1 ? product.skus[0] : undefined;
      if (!axes || !plain || Object.keys(plain.options).length > 0) continue;
      const [first, ...rest] = combinations(axes);
      if (first) await commerce.updateSku(caller, plain.id, { options: first });
      for (const options of rest) {
        await commerce.addSku(caller, product.id, { options, priceMinor: plain.priceMinor, currency: plain.currency, stock: demoStock(`${product.id}:${JSON.stringify(options)}`) });
      }
    }
  }

  async function importInto(shopId: string, format: CatalogueFormat, file: string, pick?: number): Promise<ImportReport> {
    const parsed = parseCatalogue(format, readFileSync(fixture(file), 'utf8'));
    const initialStock = (item: ImportItem) => demoStock(`${format}:${item.sourceRef}`);
    if (pick === undefined) return commerce.importItems(shopId, parsed, { initialStock });
    const best = [...parsed.items].sort((a, b) => (b.unitsSold ?? 0) - (a.unitsSold ?? 0) || (a.sourceRef < b.sourceRef ? -1 : 1)).slice(0, pick);
    return commerce.importItems(shopId, { ...parsed, rows: best.length, items: best, skipped: [] }, { initialStock });
  }

  const cn = await shopOf(DEMO_SHOP_ACCOUNTS.cn, '严选生活馆', '严选生活馆 Yanxuan Living (demo)');
  const uk = await shopOf(DEMO_SHOP_ACCOUNTS.uk, 'Retrospot Gifts', 'Retrospot Gifts (demo)');
  const cnReport = await importInto(cn.shopId, 'litemall', 'litemall/litemall_goods_zh.csv');
  const ukReport = await importInto(uk.shopId, 'online_retail', 'online_retail/online_retail_products.csv', DEMO_UK_PRODUCTS);
  // ¥10 shipping, free from ¥99; £3.95, free from £50. A merchant's own settings are kept.
  if (!(await commerce.shopSettings(cn.shopId)).configured) {
    await commerce.saveSettings(cn.shopId, { shippingFlatMinor: 1000, freeShippingOverMinor: 9900, currency: 'CNY', restockOnRefund: true });
  }
  if (!(await commerce.shopSettings(uk.shopId)).configured) {
    await commerce.saveSettings(uk.shopId, { shippingFlatMinor: 395, freeShippingOverMinor: 5000, currency: 'GBP', restockOnRefund: true });
  }
  await addVariants(cn.caller, cn.shopId);
  return {
    cn: { shopId: cn.shopId, merchantId: cn.caller.userId ?? '', report: cnReport },
    uk: { shopId: uk.shopId, merchantId: uk.caller.userId ?? '', report: ukReport },
  };
}
