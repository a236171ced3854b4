import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import { requireOwnShop, type ShopMembership } from './access.ts';
import { CsvSyntaxError, parseCsv } from './csv.ts';
import { decimalToMinor } from './decimal.ts';
import { products, skus } from './schema.ts';

export const CATALOGUE_FORMATS = ['litemall', 'online_retail'] as const;
export type CatalogueFormat = (typeof CATALOGUE_FORMATS)[number];

/** One product as a catalogue describes it; the import gives it one option-less SKU. */
export interface ImportItem {
  line: number;
  sourceRef: string;
  title: string;
  description: string;
  brand: string | null;
  category: string | null;
  images: string[];
  priceMinor: number;
  currency: string;
  /** Units the source sold (online retail), for choosing best sellers. */
  unitsSold: number | null;
}

export interface ImportSkip {
  line: number;
  sourceRef: string | null;
  reason: string;
}

export interface ParsedCatalogue {
  format: CatalogueFormat;
  rows: number;
  items: ImportItem[];
  skipped: ImportSkip[];
}

export interface ImportReport {
  format: CatalogueFormat;
  shopId: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: ImportSkip[];
}

interface FormatSpec {
  currency: string;
  columns: readonly string[];
  toItem(get: (column: string) => string): Omit<ImportItem, 'line' | 'priceMinor' | 'currency'> & { price: string };
}

const clean = (text: string): string => text.replace(/\s+/g, ' ').trim();
const orNull = (text: string): string | null => (clean(text) === '' || text === 'NA' ? null : clean(text));
const imageRef = (url: string): string[] => (/^https?:\/\/\S+$/.test(url.trim()) ? [url.trim()] : []);

const FORMATS: Record<CatalogueFormat, FormatSpec> = {
  // litemall_goods_zh.csv: NetEase Yanxuan goods as litemall ships them; prices in yuan.
  litemall: {
    currency: 'CNY',
    columns: ['id', 'name', 'brief', 'category_l1', 'category_l2', 'brand', 'retail_price_cny', 'pic_url'],
    toItem: (get) => {
      const levels = [orNull(get('category_l1')), orNull(get('category_l2'))].filter((c): c is string => c !== null);
      return {
        sourceRef: clean(get('id')),
        title: clean(get('name')),
        description: clean(get('brief')),
        brand: orNull(get('brand')),
        category: levels.length > 0 ? levels.join(' / ') : null,
        images: imageRef(get('pic_url')),
        price: get('retail_price_cny'),
        unitsSold: null,
      };
    },
  },
  // online_retail_products.csv: one row per UCI Online Retail stock code; prices in pounds.
  online_retail: {
    currency: 'GBP',
    columns: ['stock_code', 'description', 'median_unit_price_gbp', 'units_sold'],
    toItem: (get) => {
      const sold = Number(get('units_sold'));
      return {
        sourceRef: clean(get('stock_code')),
        title: get('description') === 'NA' ? '' : clean(get('description')),
        description: '',
        brand: null,
        category: null,
        images: [],
        price: get('median_unit_price_gbp'),
        unitsSold: Number.isSafeInteger(sold) && sold >= 0 ? sold : null,
      };
    },
  },
};

const TITLE_MAX = 200;

/** Reads a whole catalogue; a broken file (CSV syntax, missing columns) is refused as a whole, a bad row is skipped with its reason. */
export function parseCatalogue(format: CatalogueFormat, text: string): ParsedCatalogue {
  const spec = FORMATS[format];
  let document;
  try {
    document = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new AppError('VALIDATION_FAILED', `The CSV is malformed: ${error.message}`, { line: error.line });
    throw error;
  }
  const missing = spec.columns.filter((c) => !document.header.includes(c));
  if (missing.length > 0) throw new AppError('VALIDATION_FAILED', `A ${format} CSV needs the columns ${missing.join(', ')}`, { missingColumns: missing });
  const index = new Map(document.header.map((name, i) => [name, i]));
  const items: ImportItem[] = [];
  const skipped: ImportSkip[] = [];
  const seen = new Map<string, number>();
  for (const record of document.records) {
    const get = (column: string) => record.cells[index.get(column) ?? -1] ?? '';
    if (record.cells.length !== document.header.length) {
      skipped.push({ line: record.line, sourceRef: null, reason: `expected ${document.header.length} fields, found ${record.cells.length}` });
      continue;
    }
    const { price, ...item } = spec.toItem(get);
    const skip = (reason: string) => skipped.push({ line: record.line, sourceRef: item.sourceRef || null, reason });
    if (item.sourceRef === '') {
      skip('no id');
      continue;
    }
    const first = seen.get(item.sourceRef);
    if (first !== undefined) {
      skip(`duplicate of line ${first}`);
      continue;
    }
    if (item.title === '') {
      skip('no title');
      continue;
    }
    if (item.title.length > TITLE_MAX) {
      skip(`title longer than ${TITLE_MAX} characters`);
      continue;
    }
    const minor = decimalToMinor(price, spec.currency);
    if (!minor.ok) {
      skip(minor.reason);
      continue;
    }
    if (minor.minor <= 0) {
      skip('price is zero');
      continue;
    }
    seen.set(item.sourceRef, record.line);
    items.push({ ...item, line: record.line, priceMinor: minor.minor, currency: spec.currency });
  }
  return { format, rows: document.records.length, items, skipped };
}

const CHUNK = 500;

function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const sameImages = (a: string[], b: string[]) => a.length === b.length && a.every((url, i) => url === b[i]);

export function createCatalogueImport(deps: { db: Db; identity: ShopMembership; clock: Clock }) {
  const { db, identity, clock } = deps;

  /**
   * Idempotent per (shop, source, source ref): a new ref creates a product with one option-less
   * SKU (stock 0 unless `initialStock` says otherwise), a known one updates the product's texts and images and that SKU's price when
   * they changed; variants the merchant added and all stock are left alone.
   */
  async function importItems(shopId: string, parsed: ParsedCatalogue, options: { initialStock?: (item: ImportItem) => number } = {}): Promise<ImportReport> {
    const source = parsed.format;
    return db.transaction(async (tx) => {
      const existing = await tx.select().from(products).where(and(eq(products.shopId, shopId), eq(products.source, source)));
      const byRef = new Map(existing.map((p) => [p.sourceRef ?? '', p]));
      const plainSkus = new Map<string, { id: string; priceMinor: number }>();
      for (const part of chunks(existing.map((p) => p.id), 5000)) {
        const rows = await tx
          .select({ id: skus.id, productId: skus.productId, priceMinor: skus.priceMinor })
          .from(skus)
          .where(and(inArray(skus.productId, part), sql`${skus.options} = '{}'::jsonb`));
        for (const row of rows) plainSkus.set(row.productId, row);
      }
      const now = clock.now();
      const fresh: ImportItem[] = [];
      let updated = 0;
      let unchanged = 0;
      for (const item of parsed.items) {
        const product = byRef.get(item.sourceRef);
        if (!product) {
          fresh.push(item);
          continue;
        }
        const sku = plainSkus.get(product.id);
        const productChanged =
          product.title !== item.title ||
          product.description !== item.description ||
          product.brand !== item.brand ||
          product.category !== item.category ||
          !sameImages(product.images, item.images);
        const priceChanged = sku !== undefined && sku.priceMinor !== item.priceMinor;
        if (productChanged) {
          await tx
            .update(products)
            .set({ title: item.title, description: item.description, brand: item.brand, category: item.category, images: item.images, updatedAt: now })
            .where(eq(products.id, product.id));
        }
        if (priceChanged) await tx.update(skus).set({ priceMinor: item.priceMinor, updatedAt: now }).where(eq(skus.id, sku.id));
        if (productChanged || priceChanged) updated++;
        else unchanged++;
      }
      let created = 0;
      for (const part of chunks(fresh)) {
        const rows = part.map((item) => ({ item, id: newId('product') }));
        const inserted = await tx
          .insert(products)
          .values(
            rows.map(({ item, id }) => ({
              id,
              shopId,
              title: item.title,
              description: item.description,
              brand: item.brand,
              category: item.category,
              images: item.images,
              source,
              sourceRef: item.sourceRef,
              createdAt: now,
              updatedAt: now,
            })),
          )
          // A concurrent import of the same file got there first: its product stands.
          .onConflictDoNothing({ target: [products.shopId, products.source, products.sourceRef] })
          .returning({ id: products.id });
        const insertedIds = new Set(inserted.map((r) => r.id));
        const skuRows = rows
          .filter(({ id }) => insertedIds.has(id))
          .map(({ item, id }) => ({
            id: newId('sku'),
            productId: id,
            options: {},
            priceMinor: item.priceMinor,
            currency: item.currency,
            stockAvailable: options.initialStock?.(item) ?? 0,
            createdAt: now,
            updatedAt: now,
          }));
        if (skuRows.length > 0) await tx.insert(skus).values(skuRows);
        created += inserted.length;
        unchanged += part.length - inserted.length;
      }
      return { format: parsed.format, shopId, rows: parsed.rows, created, updated, unchanged, skipped: parsed.skipped };
    });
  }

  async function importCatalogue(caller: Caller, input: { format: CatalogueFormat; csv: string; shopId?: string }): Promise<ImportReport> {
    const shopId = await requireOwnShop(identity, caller, input.shopId);
    return importItems(shopId, parseCatalogue(input.format, input.csv));
  }

  return { importCatalogue, importItems };
}
