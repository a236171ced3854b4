import { eq } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { Db, DbOrTx } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import { isIsoCurrency } from './decimal.ts';
import { requireOwnShop, type ShopMembership } from './access.ts';
import { shopSettings } from './schema.ts';

export interface ShopSettingsView {
  shopId: string;
  shippingFlatMinor: number;
  /** Subtotals at or above this ship free; null = the flat fee always applies. */
  freeShippingOverMinor: number | null;
  currency: string;
  restockOnRefund: boolean;
  /** False while the shop runs on the defaults (free shipping, restock on refund). */
  configured: boolean;
}

export type ShopSettingsInput = Omit<ShopSettingsView, 'shopId' | 'configured'>;

export interface ShippingQuote {
  shippingMinor: number;
  currency: string;
  rule: 'flat' | 'free_over' | 'free';
}

/** A shop that set nothing ships free and puts refunded units back on sale. */
const DEFAULTS = { shippingFlatMinor: 0, freeShippingOverMinor: null, currency: 'CNY', restockOnRefund: true } as const;

/** A shop's settings from its row, or the defaults when it has none. */
export function settingsView(shopId: string, row: typeof shopSettings.$inferSelect | null): ShopSettingsView {
  if (!row) return { shopId, ...DEFAULTS, configured: false };
  return {
    shopId,
    shippingFlatMinor: row.shippingFlatMinor,
    freeShippingOverMinor: row.freeShippingOverMinor,
    currency: row.currency,
    restockOnRefund: row.restockOnRefund,
    configured: true,
  };
}

/** Shipping for one order of the shop (one currency per order), from settings already read. */
export function quoteShipping(settings: ShopSettingsView, subtotalMinor: number, currency: string): ShippingQuote {
  if (!Number.isSafeInteger(subtotalMinor) || subtotalMinor < 0) throw new AppError('VALIDATION_FAILED', 'subtotalMinor must be a whole number ≥ 0');
  if (settings.shippingFlatMinor === 0) return { shippingMinor: 0, currency, rule: 'free' };
  if (settings.currency !== currency) {
    throw new AppError('INVALID_STATE', `This shop's shipping is priced in ${settings.currency}, not ${currency}`, { shopId: settings.shopId, currency: settings.currency });
  }
  if (settings.freeShippingOverMinor !== null && subtotalMinor >= settings.freeShippingOverMinor) return { shippingMinor: 0, currency, rule: 'free_over' };
  return { shippingMinor: settings.shippingFlatMinor, currency, rule: 'flat' };
}

export function createShopSettings(deps: { db: Db; identity: ShopMembership; clock: Clock }) {
  const { db, identity, clock } = deps;

  async function shopSettingsOf(shopId: string, executor: DbOrTx = db): Promise<ShopSettingsView> {
    const [row] = await executor.select().from(shopSettings).where(eq(shopSettings.shopId, shopId));
    return settingsView(shopId, row ?? null);
  }

  async function mySettings(caller: Caller, shopId?: string): Promise<ShopSettingsView> {
    return shopSettingsOf(await requireOwnShop(identity, caller, shopId));
  }

  async function putSettings(caller: Caller, input: ShopSettingsInput & { shopId?: string }): Promise<ShopSettingsView> {
    const shopId = await requireOwnShop(identity, caller, input.shopId);
    return saveSettings(shopId, input);
  }

  /** For the caller that already decided the shop (demo seed, tests). */
  async function saveSettings(shopId: string, input: ShopSettingsInput): Promise<ShopSettingsView> {
    if (!isIsoCurrency(input.currency)) throw new AppError('VALIDATION_FAILED', 'currency must be an ISO 4217 code');
    if (!Number.isSafeInteger(input.shippingFlatMinor) || input.shippingFlatMinor < 0) throw new AppError('VALIDATION_FAILED', 'shippingFlatMinor must be a whole number ≥ 0');
    const freeOver = input.freeShippingOverMinor;
    if (freeOver !== null && (!Number.isSafeInteger(freeOver) || freeOver <= 0)) throw new AppError('VALIDATION_FAILED', 'freeShippingOverMinor must be a whole number ≥ 1, or null');
    const values = {
      shippingFlatMinor: input.shippingFlatMinor,
      freeShippingOverMinor: input.freeShippingOverMinor,
      currency: input.currency,
      restockOnRefund: input.restockOnRefund,
      updatedAt: clock.now(),
    };
    await db.insert(shopSettings).values({ shopId, ...values }).onConflictDoUpdate({ target: shopSettings.shopId, set: values });
    return shopSettingsOf(shopId);
  }

  return { shopSettings: shopSettingsOf, mySettings, putSettings, saveSettings };
}
