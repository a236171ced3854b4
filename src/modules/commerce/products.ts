import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import { pgErrorCode, PG_UNIQUE_VIOLATION } from '../../drivers/db/errors.ts';
import type { Caller } from '../../http/context.ts';
import { decodeCursor, encodeCursor } from '../../http/cursor.ts';
import { isIsoCurrency } from './decimal.ts';
import { canManageShop, loadProduct, requireManagedProduct, requireOwnShop, type ShopMembership } from './access.ts';
import { products, shopSettings, skus } from './schema.ts';
import { settingsView, type ShopSettingsView } from './settings.ts';
import type { StockPrimitives } from './stock.ts';
import { toProductView, toSkuMerchantView, toSkuView, type ProductRow, type ProductView, type SkuMerchantView, type SkuRow, type SkuWithProduct } from './views.ts';

export interface SkuInput {
  options?: Record<string, string>;
  priceMinor: number;
  currency: string;
  /** Units on sale at creation. */
  stock?: number;
}

export interface ProductInput {
  title: string;
  description?: string;
  brand?: string | null;
  category?: string | null;
  images?: string[];
  status?: 'active' | 'archived';
  /** One of the caller's shops; default: their first. */
  shopId?: string;
  skus: SkuInput[];
}

export type ProductPatch = Partial<Omit<ProductInput, 'shopId' | 'skus'>>;

export interface SkuPatch {
  priceMinor?: number;
  options?: Record<string, string>;
  /** Units added to (or, negative, taken from) what is available; never below zero. */
  stockAdjust?: number;
}

export type MerchantProductView = Omit<ProductView, 'skus'> & { skus: SkuMerchantView[] };

const PAGE_MAX = 100;

/** Options compared regardless of key order, as jsonb equality does. */
export function optionsKey(options: Record<string, string>): string {
  return JSON.stringify(Object.entries(options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function assertSku(input: SkuInput): void {
  if (!Number.isSafeInteger(input.priceMinor) || input.priceMinor <= 0) throw new AppError('VALIDATION_FAILED', 'priceMinor must be a positive whole number of minor units');
  if (!isIsoCurrency(input.currency)) throw new AppError('VALIDATION_FAILED', 'currency must be an ISO 4217 code such as CNY or GBP');
  if (input.stock !== undefined && (!Number.isSafeInteger(input.stock) || input.stock < 0)) throw new AppError('VALIDATION_FAILED', 'stock must be a whole number ≥ 0');
}

export function createProducts(deps: { db: Db; identity: ShopMembership; clock: Clock; stock: StockPrimitives }) {
  const { db, identity, clock, stock } = deps;

  async function skusOf(executor: DbOrTx, productIds: string[]): Promise<Map<string, SkuRow[]>> {
    const byProduct = new Map<string, SkuRow[]>();
    if (productIds.length === 0) return byProduct;
    for (const row of await executor.select().from(skus).where(inArray(skus.productId, productIds))) {
      byProduct.set(row.productId, [...(byProduct.get(row.productId) ?? []), row]);
    }
    return byProduct;
  }

  async function merchantView(executor: DbOrTx, row: ProductRow): Promise<MerchantProductView> {
    return toProductView(row, (await skusOf(executor, [row.id])).get(row.id) ?? [], toSkuMerchantView);
  }

  async function createProduct(caller: Caller, input: ProductInput): Promise<MerchantProductView> {
    const shopId = await requireOwnShop(identity, caller, input.shopId);
    if (input.skus.length === 0) throw new AppError('VALIDATION_FAILED', 'A product needs at least one SKU');
    input.skus.forEach(assertSku);
    if (new Set(input.skus.map((s) => s.currency)).size > 1) throw new AppError('VALIDATION_FAILED', 'Every SKU of a product has the same currency');
    if (new Set(input.skus.map((s) => optionsKey(s.options ?? {}))).size !== input.skus.length) {
      throw new AppError('VALIDATION_FAILED', 'Two SKUs have the same options');
    }
    return db.transaction(async (tx) => {
      const now = clock.now();
      const [row] = await tx
        .insert(products)
        .values({
          id: newId('product'),
          shopId,
          title: input.title.trim(),
          description: input.description?.trim() ?? '',
          brand: input.brand?.trim() || null,
          category: input.category?.trim() || null,
          images: input.images ?? [],
          status: input.status ?? 'active',
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!row) throw new AppError('INTERNAL', 'product insert returned nothing');
      await tx.insert(skus).values(
        input.skus.map((s) => ({
          id: newId('sku'),
          productId: row.id,
          options: s.options ?? {},
          priceMinor: s.priceMinor,
          currency: s.currency,
          stockAvailable: s.stock ?? 0,
          createdAt: now,
          updatedAt: now,
        })),
      );
      return merchantView(tx, row);
    });
  }

  /** Public when active; an archived product only for its shop (404 for anyone else). */
  async function getProduct(caller: Caller, productId: string): Promise<ProductView & { canManage: boolean }> {
    const row = await loadProduct(db, productId);
    if (!row) throw new AppError('NOT_FOUND', 'Product not found');
    const owner = await canManageShop(identity, caller, row.shopId);
    if (!owner && row.status !== 'active') throw new AppError('NOT_FOUND', 'Product not found');
    const skuRows = (await skusOf(db, [row.id])).get(row.id) ?? [];
    return { ...(owner ? toProductView(row, skuRows, toSkuMerchantView) : toProductView(row, skuRows, toSkuView)), canManage: owner };
  }

  /** The caller's shops' products, newest first, archived included. */
  async function listProducts(
    caller: Caller,
    cursor: string | null,
    options: { limit?: number; shopId?: string; status?: 'active' | 'archived' } = {},
  ): Promise<{ items: MerchantProductView[]; nextCursor: string | null }> {
    if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
    const shopIds = options.shopId !== undefined ? [await requireOwnShop(identity, caller, options.shopId)] : await identity.orgIdsOf(caller.userId, 'shop');
    if (shopIds.length === 0) return { items: [], nextCursor: null };
    const limit = Math.min(Math.max(options.limit ?? 50, 1), PAGE_MAX);
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await db
      .select()
      .from(products)
      .where(
        and(
          inArray(products.shopId, shopIds),
          options.status ? eq(products.status, options.status) : undefined,
          after ? or(lt(products.createdAt, new Date(after.at)), and(eq(products.createdAt, new Date(after.at)), lt(products.id, after.id))) : undefined,
        ),
      )
      .orderBy(desc(products.createdAt), desc(products.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const bySku = await skusOf(db, page.map((r) => r.id));
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toProductView(r, bySku.get(r.id) ?? [], toSkuMerchantView)),
      nextCursor: rows.length > limit && last ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id }) : null,
    };
  }

  async function updateProduct(caller: Caller, productId: string, patch: ProductPatch): Promise<MerchantProductView> {
    await requireManagedProduct(db, identity, caller, productId);
    const [row] = await db
      .update(products)
      .set({
        ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
        ...(patch.description !== undefined ? { description: patch.description.trim() } : {}),
        ...(patch.brand !== undefined ? { brand: patch.brand?.trim() || null } : {}),
        ...(patch.category !== undefined ? { category: patch.category?.trim() || null } : {}),
        ...(patch.images !== undefined ? { images: patch.images } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        updatedAt: clock.now(),
      })
      .where(eq(products.id, productId))
      .returning();
    if (!row) throw new AppError('NOT_FOUND', 'Product not found');
    return merchantView(db, row);
  }

  async function addSku(caller: Caller, productId: string, input: SkuInput): Promise<SkuMerchantView> {
    const product = await requireManagedProduct(db, identity, caller, productId);
    assertSku(input);
    const [sibling] = await db.select({ currency: skus.currency }).from(skus).where(eq(skus.productId, productId)).limit(1);
    if (sibling && sibling.currency !== input.currency) throw new AppError('VALIDATION_FAILED', `This product is priced in ${sibling.currency}`);
    const now = clock.now();
    const [row] = await db
      .insert(skus)
      .values({ id: newId('sku'), productId, options: input.options ?? {}, priceMinor: input.priceMinor, currency: input.currency, stockAvailable: input.stock ?? 0, createdAt: now, updatedAt: now })
      .onConflictDoNothing({ target: [skus.productId, skus.options] })
      .returning();
    if (!row) throw new AppError('CONFLICT', 'This product already has a SKU with these options');
    return toSkuMerchantView(row, product.status === 'active');
  }

  async function loadSku(skuId: string): Promise<{ sku: SkuRow; product: ProductRow } | null> {
    const [row] = await db.select({ sku: skus, product: products }).from(skus).innerJoin(products, eq(products.id, skus.productId)).where(eq(skus.id, skuId));
    return row ?? null;
  }

  /** Price and options are plain edits; stock moves by a delta in one conditional UPDATE. */
  async function updateSku(caller: Caller, skuId: string, patch: SkuPatch): Promise<SkuMerchantView> {
    const found = await loadSku(skuId);
    if (!found) throw new AppError('NOT_FOUND', 'SKU not found');
    await requireManagedProduct(db, identity, caller, found.product.id);
    if (patch.priceMinor !== undefined) assertSku({ priceMinor: patch.priceMinor, currency: found.sku.currency });
    return db.transaction(async (tx) => {
      if (patch.priceMinor !== undefined || patch.options !== undefined) {
        const updated = await tx
          .update(skus)
          .set({
            ...(patch.priceMinor !== undefined ? { priceMinor: patch.priceMinor } : {}),
            ...(patch.options !== undefined ? { options: patch.options } : {}),
            updatedAt: clock.now(),
          })
          .where(eq(skus.id, skuId))
          .returning({ id: skus.id })
          .catch((error: unknown) => {
            if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) throw new AppError('CONFLICT', 'This product already has a SKU with these options');
            throw error;
          });
        if (updated.length === 0) throw new AppError('NOT_FOUND', 'SKU not found');
      }
      if (patch.stockAdjust !== undefined && patch.stockAdjust !== 0) await stock.adjustStock(tx, skuId, patch.stockAdjust);
      const [row] = await tx.select().from(skus).where(eq(skus.id, skuId));
      if (!row) throw new AppError('NOT_FOUND', 'SKU not found');
      return toSkuMerchantView(row, found.product.status === 'active');
    });
  }

  /** Public views (archived ones too, with their status, so callers can drop them), keyed by id. */
  async function getProducts(productIds: string[], executor: DbOrTx = db): Promise<Map<string, ProductView>> {
    const result = new Map<string, ProductView>();
    const ids = [...new Set(productIds)];
    if (ids.length === 0) return result;
    const rows = await executor.select().from(products).where(inArray(products.id, ids));
    const bySku = await skusOf(executor, rows.map((r) => r.id));
    for (const row of rows) result.set(row.id, toProductView(row, bySku.get(row.id) ?? [], toSkuView));
    return result;
  }

  /**
   * Each wanted SKU's product with all of its SKUs, so the product view (stock total, lowest price)
   * is the same as getProducts gives. One round trip; checkout runs it on every request, so outside a
   * transaction it is a prepared statement.
   */
  function selectSkusWithProducts(executor: DbOrTx, ids: SQL | string[]) {
    const wanted = Array.isArray(ids) ? inArray(skus.id, ids) : sql`${skus.id} = any(${ids})`;
    const owners = executor.select({ productId: skus.productId }).from(skus).where(wanted);
    return executor
      .select({ product: products, sku: skus, shop: shopSettings })
      .from(products)
      .innerJoin(skus, eq(skus.productId, products.id))
      .leftJoin(shopSettings, eq(shopSettings.shopId, products.shopId))
      .where(inArray(products.id, owners));
  }
  const preparedSkusWithProducts = selectSkusWithProducts(db, sql`${sql.placeholder('ids')}`).prepare('commerce_skus_with_products');

  async function getSkus(skuIds: string[], executor: DbOrTx = db): Promise<Map<string, SkuWithProduct>> {
    const result = new Map<string, SkuWithProduct>();
    const ids = [...new Set(skuIds)];
    if (ids.length === 0) return result;
    const rows = executor === db ? await preparedSkusWithProducts.execute({ ids }) : await selectSkusWithProducts(executor, ids);
    const byProduct = new Map<string, { product: ProductRow; skus: SkuRow[]; shop: ShopSettingsView }>();
    for (const row of rows) {
      const entry = byProduct.get(row.product.id) ?? { product: row.product, skus: [], shop: settingsView(row.product.shopId, row.shop) };
      entry.skus.push(row.sku);
      byProduct.set(row.product.id, entry);
    }
    for (const entry of byProduct.values()) {
      const product = toProductView(entry.product, entry.skus, toSkuView);
      for (const sku of product.skus) if (ids.includes(sku.id)) result.set(sku.id, { sku, product, shop: entry.shop });
    }
    return result;
  }

  async function getSku(skuId: string, executor: DbOrTx = db): Promise<SkuWithProduct | null> {
    return (await getSkus([skuId], executor)).get(skuId) ?? null;
  }

  return { createProduct, getProduct, listProducts, updateProduct, addSku, updateSku, getProducts, getSkus, getSku };
}
