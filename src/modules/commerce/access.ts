import { eq } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { DbOrTx } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { IdentityService } from '../identity/service.ts';
import { products } from './schema.ts';
import type { ProductRow } from './views.ts';

export type ShopMembership = Pick<IdentityService, 'isOrgMember' | 'orgIdsOf'>;

/** A member of the shop, or an admin. */
export async function canManageShop(identity: ShopMembership, caller: Caller, shopId: string): Promise<boolean> {
  if (!caller.userId) return false;
  if (caller.role === 'admin') return true;
  return identity.isOrgMember(caller.userId, shopId);
}

/** The shop a merchant acts for: the one named (if theirs), else their first shop. */
export async function requireOwnShop(identity: ShopMembership, caller: Caller, shopId?: string): Promise<string> {
  if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  if (shopId !== undefined) {
    if (await canManageShop(identity, caller, shopId)) return shopId;
    throw new AppError('FORBIDDEN', 'You are not a member of this shop');
  }
  const [first] = await identity.orgIdsOf(caller.userId, 'shop');
  if (!first) throw new AppError('FORBIDDEN', 'You belong to no shop');
  return first;
}

export async function loadProduct(db: DbOrTx, productId: string): Promise<ProductRow | null> {
  const [row] = await db.select().from(products).where(eq(products.id, productId));
  return row ?? null;
}

/**
 * Someone else's archived product answers 404 (its id does not leak); a change to someone
 * else's active, public product answers 403.
 */
export async function requireManagedProduct(db: DbOrTx, identity: ShopMembership, caller: Caller, productId: string): Promise<ProductRow> {
  const row = await loadProduct(db, productId);
  if (!row) throw new AppError('NOT_FOUND', 'Product not found');
  if (await canManageShop(identity, caller, row.shopId)) return row;
  if (row.status === 'active') throw new AppError('FORBIDDEN', 'Only the shop that owns this product may change it');
  throw new AppError('NOT_FOUND', 'Product not found');
}
