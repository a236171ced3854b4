import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import type { ShopNames, SkuFacts, SkuLookup } from './ports.ts';
import { cartItems } from './schema.ts';
import { withShopName, type ShopNamed } from './views.ts';

export const CART_MAX_QUANTITY = 99;
const CART_MAX_ITEMS = 100;

export interface CartItemView {
  id: string;
  skuId: string;
  quantity: number;
  /** Null when the SKU no longer exists. */
  sku: ShopNamed<SkuFacts> | null;
  addedAt: string;
}

export interface CartView {
  items: CartItemView[];
  /** Per currency: a cart may hold products of shops in several currencies. */
  subtotals: { currency: string; amountMinor: number }[];
}

export function createCart(deps: { db: Db; clock: Clock; skus: SkuLookup; shops: ShopNames }) {
  const { db, clock } = deps;

  async function itemsOf(userId: string, tx: DbOrTx = db) {
    return tx.select().from(cartItems).where(eq(cartItems.userId, userId)).orderBy(asc(cartItems.id));
  }

  async function view(userId: string): Promise<CartView> {
    const rows = await itemsOf(userId);
    const facts = await deps.skus.skuFacts(rows.map((r) => r.skuId));
    const names = await deps.shops.orgNames([...facts.values()].map((f) => f.shopId));
    const totals = new Map<string, number>();
    const items = rows.map((row) => {
      const found = facts.get(row.skuId);
      const sku = found ? withShopName(found, names) : null;
      if (sku?.active) totals.set(sku.currency, (totals.get(sku.currency) ?? 0) + sku.priceMinor * row.quantity);
      return { id: row.id, skuId: row.skuId, quantity: row.quantity, sku, addedAt: row.createdAt.toISOString() };
    });
    return { items, subtotals: [...totals].map(([currency, amountMinor]) => ({ currency, amountMinor })) };
  }

  async function add(userId: string, skuId: string, quantity: number): Promise<CartView> {
    const sku = (await deps.skus.skuFacts([skuId])).get(skuId);
    if (!sku) throw notFound('SKU');
    if (!sku.active) throw new AppError('INVALID_STATE', 'This product is not on sale');
    const [count] = await db.select({ n: sql<number>`count(*)` }).from(cartItems).where(eq(cartItems.userId, userId));
    if (Number(count?.n ?? 0) >= CART_MAX_ITEMS) throw new AppError('VALIDATION_FAILED', `A cart holds at most ${CART_MAX_ITEMS} items`);
    const now = clock.now();
    // One row per SKU: adding again adds to its quantity, capped, in one statement.
    await db
      .insert(cartItems)
      .values({ id: newId('cartItem'), userId, skuId, quantity, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [cartItems.userId, cartItems.skuId],
        set: { quantity: sql`least(${cartItems.quantity} + excluded.quantity, ${CART_MAX_QUANTITY})`, updatedAt: now },
      });
    return view(userId);
  }

  async function setQuantity(userId: string, itemId: string, quantity: number): Promise<CartView> {
    const updated = await db
      .update(cartItems)
      .set({ quantity, updatedAt: clock.now() })
      .where(and(eq(cartItems.id, itemId), eq(cartItems.userId, userId)))
      .returning({ id: cartItems.id });
    // Someone else's item is as absent as a missing one.
    if (updated.length === 0) throw notFound('Cart item');
    return view(userId);
  }

  async function remove(userId: string, itemId: string): Promise<CartView> {
    const removed = await db
      .delete(cartItems)
      .where(and(eq(cartItems.id, itemId), eq(cartItems.userId, userId)))
      .returning({ id: cartItems.id });
    if (removed.length === 0) throw notFound('Cart item');
    return view(userId);
  }

  async function clear(userId: string): Promise<CartView> {
    await db.delete(cartItems).where(eq(cartItems.userId, userId));
    return view(userId);
  }

  /** After a checkout from the cart: drops what was bought, in the checkout's transaction. */
  async function removeSkus(tx: DbOrTx, userId: string, skuIds: string[]): Promise<void> {
    if (skuIds.length === 0) return;
    await tx.delete(cartItems).where(and(eq(cartItems.userId, userId), inArray(cartItems.skuId, skuIds)));
  }

  return { view, add, setQuantity, remove, clear, removeSkus, itemsOf: (userId: string) => itemsOf(userId) };
}

export type Cart = ReturnType<typeof createCart>;
