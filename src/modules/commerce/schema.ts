import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const products = pgTable(
  'products',
  {
    id: text('id').primaryKey(),
    /** The owning shop (an identity org of kind 'shop'; no cross-module foreign key). */
    shopId: text('shop_id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    brand: text('brand'),
    category: text('category'),
    /** Image URLs. Imported ones are references to the source's images, never mirrored. */
    images: jsonb('images').$type<string[]>().notNull().default([]),
    status: text('status', { enum: ['active', 'archived'] }).notNull().default('active'),
    /** Where an imported product came from ('litemall', 'online_retail') and its id there. */
    source: text('source'),
    sourceRef: text('source_ref'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Re-importing a catalogue updates instead of duplicating (NULLs stay distinct: hand-made products).
    unique('products_shop_source_unique').on(t.shopId, t.source, t.sourceRef),
    check('products_status_check', sql`${t.status} in ('active','archived')`),
    check('products_source_check', sql`(${t.source} is null) = (${t.sourceRef} is null)`),
    index('products_shop_idx').on(t.shopId, t.createdAt, t.id),
  ],
);

export const skus = pgTable(
  'skus',
  {
    id: text('id').primaryKey(),
    productId: text('product_id').notNull().references(() => products.id, { onDelete: 'cascade' }),
    /** Variant options such as { colour: '红', size: 'M' }; {} for a product without variants. */
    options: jsonb('options').$type<Record<string, string>>().notNull().default({}),
    priceMinor: integer('price_minor').notNull(),
    currency: text('currency').notNull(),
    // available + reserved + sold changes only by stock adjustments; every move between the
    // three is one conditional UPDATE, and these CHECKs are the last line of defence.
    stockAvailable: integer('stock_available').notNull().default(0),
    stockReserved: integer('stock_reserved').notNull().default(0),
    stockSold: integer('stock_sold').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('skus_price_check', sql`${t.priceMinor} > 0`),
    check('skus_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('skus_stock_available_check', sql`${t.stockAvailable} >= 0`),
    check('skus_stock_reserved_check', sql`${t.stockReserved} >= 0`),
    check('skus_stock_sold_check', sql`${t.stockSold} >= 0`),
    // One SKU per combination of options within a product (jsonb equality ignores key order).
    unique('skus_product_options_unique').on(t.productId, t.options),
  ],
);

export const stockReservations = pgTable(
  'stock_reservations',
  {
    id: text('id').primaryKey(),
    /** The caller's key for the whole reservation, e.g. an order id. */
    reference: text('reference').notNull(),
    skuId: text('sku_id').notNull().references(() => skus.id, { onDelete: 'restrict' }),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: ['held', 'committed', 'released'] }).notNull().default('held'),
    /** Units of a committed reservation put back on sale by refunds (never more than quantity). */
    returnedQuantity: integer('returned_quantity').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('stock_reservations_reference_sku_unique').on(t.reference, t.skuId),
    check('stock_reservations_quantity_check', sql`${t.quantity} > 0`),
    check('stock_reservations_status_check', sql`${t.status} in ('held','committed','released')`),
    check('stock_reservations_returned_check', sql`${t.returnedQuantity} >= 0 and ${t.returnedQuantity} <= ${t.quantity}`),
    // The expiry job reads only held rows that are due.
    index('stock_reservations_due_idx').on(t.expiresAt).where(sql`${t.status} = 'held'`),
  ],
);

export const shopSettings = pgTable(
  'shop_settings',
  {
    shopId: text('shop_id').primaryKey(),
    shippingFlatMinor: integer('shipping_flat_minor').notNull().default(0),
    /** An order subtotal at or above this ships free; null = never free (unless the flat fee is 0). */
    freeShippingOverMinor: integer('free_shipping_over_minor'),
    currency: text('currency').notNull(),
    /** A refunded line's units go back on sale (else they stay sold: damaged, not returned…). */
    restockOnRefund: boolean('restock_on_refund').notNull().default(true),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('shop_settings_flat_check', sql`${t.shippingFlatMinor} >= 0`),
    check('shop_settings_free_over_check', sql`${t.freeShippingOverMinor} is null or ${t.freeShippingOverMinor} > 0`),
    check('shop_settings_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);
