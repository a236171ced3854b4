import { Type, type TSchema } from '@sinclair/typebox';
import { CATALOGUE_FORMATS } from './import-csv.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. CNY, GBP' });
const PriceMinor = Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Integer minor units (fen, pence…)' });
const StockUnits = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const Options = Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 64 }), {
  maxProperties: 4,
  propertyNames: { minLength: 1, maxLength: 32 },
  description: 'Variant options such as { "colour": "red", "size": "M" }',
});
const Images = Type.Array(Type.String({ pattern: '^https?://\\S+$', maxLength: 2048 }), { maxItems: 12 });
const Status = Type.Union([Type.Literal('active'), Type.Literal('archived')]);
const Stock = Type.Object({
  state: Type.Union([Type.Literal('in_stock'), Type.Literal('low'), Type.Literal('sold_out')]),
  available: Type.Integer(),
});

export const SkuSchema = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  options: Type.Record(Type.String(), Type.String()),
  priceMinor: Type.Integer(),
  currency: Type.String(),
  stock: Stock,
  stockReserved: Type.Optional(Type.Integer({ description: 'Only for the owning shop' })),
  stockSold: Type.Optional(Type.Integer({ description: 'Only for the owning shop' })),
});

export const ProductSchema = Type.Object({
  id: Type.String(),
  shopId: Type.String(),
  title: Type.String(),
  description: Type.String(),
  brand: Nullable(Type.String()),
  category: Nullable(Type.String()),
  images: Type.Array(Type.String()),
  status: Status,
  source: Nullable(Type.String()),
  sourceRef: Nullable(Type.String()),
  fromPriceMinor: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  stock: Stock,
  skus: Type.Array(SkuSchema),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ProductWithAccessSchema = Type.Composite([
  ProductSchema,
  Type.Object({ shopName: Type.String({ description: "The shop's display name ('' if the shop no longer exists)" }), canManage: Type.Boolean() }),
]);

export const SkuCreateBody = Type.Object(
  { options: Type.Optional(Options), priceMinor: PriceMinor, currency: Currency, stock: Type.Optional(StockUnits) },
  { additionalProperties: false },
);

const ProductFields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 10_000 }),
  brand: Nullable(Type.String({ maxLength: 100 })),
  category: Nullable(Type.String({ maxLength: 100 })),
  images: Images,
  status: Status,
};

export const ProductCreateBody = Type.Object(
  {
    title: ProductFields.title,
    description: Type.Optional(ProductFields.description),
    brand: Type.Optional(ProductFields.brand),
    category: Type.Optional(ProductFields.category),
    images: Type.Optional(ProductFields.images),
    status: Type.Optional(ProductFields.status),
    shopId: Type.Optional(Type.String({ minLength: 3, maxLength: 64, description: 'One of your shops; default: your first' })),
    skus: Type.Array(SkuCreateBody, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

export const ProductPatchBody = Type.Object(
  {
    title: Type.Optional(ProductFields.title),
    description: Type.Optional(ProductFields.description),
    brand: Type.Optional(ProductFields.brand),
    category: Type.Optional(ProductFields.category),
    images: Type.Optional(ProductFields.images),
    status: Type.Optional(ProductFields.status),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SkuPatchBody = Type.Object(
  {
    priceMinor: Type.Optional(PriceMinor),
    options: Type.Optional(Options),
    stockAdjust: Type.Optional(
      Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: 'Units added to available (negative: taken away, never below 0). Needs an Idempotency-Key.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  shopId: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Status),
});

export const ProductPage = Type.Object({ items: Type.Array(ProductSchema), nextCursor: Nullable(Type.String()) });

export const ImportQuery = Type.Object({
  format: Type.Union(CATALOGUE_FORMATS.map((f) => Type.Literal(f))),
  shopId: Type.Optional(Type.String({ maxLength: 64 })),
});

export const ImportReportSchema = Type.Object({
  format: Type.String(),
  shopId: Type.String(),
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  skipped: Type.Array(Type.Object({ line: Type.Integer(), sourceRef: Nullable(Type.String()), reason: Type.String() })),
});

export const ShopSettingsSchema = Type.Object({
  shopId: Type.String(),
  shippingFlatMinor: Type.Integer(),
  freeShippingOverMinor: Nullable(Type.Integer()),
  currency: Type.String(),
  restockOnRefund: Type.Boolean(),
  configured: Type.Boolean(),
});

export const ShopSettingsBody = Type.Object(
  {
    shippingFlatMinor: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    freeShippingOverMinor: Nullable(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    currency: Currency,
    restockOnRefund: Type.Boolean(),
    shopId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const ShopQuery = Type.Object({ shopId: Type.Optional(Type.String({ maxLength: 64 })) });

export const IdParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 64 }) });
