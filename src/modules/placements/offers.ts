import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../drivers/db/types.ts';
import type { Caller } from '../../http/context.ts';
import type { OrgMembership, ProductFacts, ProductLookup } from './ports.ts';
import { offerAcceptances, offers, type OfferAudience, type OfferRow } from './schema.ts';

export interface OfferInput {
  productId: string;
  commissionBps: number;
  audience: OfferAudience;
  studioIds?: string[];
}

export interface ProductCard {
  title: string;
  image: string | null;
  priceMinor: number;
  fromPriceMinor: number;
  currency: string;
}

export interface OfferView {
  id: string;
  shopId: string;
  productId: string;
  commissionBps: number;
  audience: OfferAudience;
  studioIds: string[];
  status: OfferRow['status'];
  createdAt: string;
  /** How many studios took it (the merchant's view); 0 in a studio's view. */
  acceptances: number;
  /** One of the caller's studios accepted it. */
  acceptedByMe: boolean;
  product: ProductCard | null;
}

export interface OffersDeps {
  db: Db;
  clock: Clock;
  orgs: OrgMembership;
  products: ProductLookup;
}

/** The card of a product that can be bought (active, with a price); null otherwise. */
export function cardOf(facts: ProductFacts | undefined): ProductCard | null {
  if (!facts?.active || facts.priceMinor === null || facts.fromPriceMinor === null || facts.currency === null) return null;
  return { title: facts.title, image: facts.image, priceMinor: facts.priceMinor, fromPriceMinor: facts.fromPriceMinor, currency: facts.currency };
}

function signedIn(caller: Caller): string {
  if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return caller.userId;
}

/** Offers open to all, or naming one of these studios (`studio_ids @> ["org_…"]`). */
function visibleTo(studioIds: string[]): SQL | undefined {
  return or(eq(offers.audience, 'all'), ...studioIds.map((id) => sql`${offers.studioIds} @> ${JSON.stringify([id])}::jsonb`));
}

export function createOffers(deps: OffersDeps) {
  const { db, clock, orgs, products } = deps;

  async function views(rows: OfferRow[], myStudios: string[]): Promise<OfferView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [facts, counts, mine] = await Promise.all([
      products.productFacts([...new Set(rows.map((r) => r.productId))]),
      db
        .select({ offerId: offerAcceptances.offerId, n: sql<number>`count(*)::int` })
        .from(offerAcceptances)
        .where(inArray(offerAcceptances.offerId, ids))
        .groupBy(offerAcceptances.offerId),
      myStudios.length === 0
        ? Promise.resolve([])
        : db
            .select({ offerId: offerAcceptances.offerId })
            .from(offerAcceptances)
            .where(and(inArray(offerAcceptances.offerId, ids), inArray(offerAcceptances.studioId, myStudios))),
    ]);
    const countOf = new Map(counts.map((c) => [c.offerId, c.n]));
    const acceptedByMe = new Set(mine.map((m) => m.offerId));
    return rows.map((r) => ({
      id: r.id,
      shopId: r.shopId,
      productId: r.productId,
      commissionBps: r.commissionBps,
      audience: r.audience,
      studioIds: r.studioIds,
      status: r.status,
      createdAt: r.createdAt.toISOString(),
      acceptances: myStudios.length === 0 ? (countOf.get(r.id) ?? 0) : 0,
      acceptedByMe: acceptedByMe.has(r.id),
      product: cardOf(facts.get(r.productId)),
    }));
  }

  async function create(caller: Caller, input: OfferInput): Promise<OfferView> {
    const userId = signedIn(caller);
    const shops = await orgs.orgIdsOf(userId, 'shop');
    const product = (await products.productFacts([input.productId])).get(input.productId);
    if (!product || (!shops.includes(product.shopId) && !product.active)) throw new AppError('NOT_FOUND', 'Product not found');
    if (!shops.includes(product.shopId)) throw new AppError('FORBIDDEN', 'Only the shop that sells this product may offer it');
    if (!product.active) throw new AppError('INVALID_STATE', 'An archived product cannot be offered');
    const studioIds = input.audience === 'studios' ? [...new Set(input.studioIds ?? [])] : [];
    if (input.audience === 'studios' && studioIds.length === 0) {
      throw new AppError('VALIDATION_FAILED', 'Name at least one studio, or offer to all', { errors: [{ path: '/studioIds', message: 'must name at least one studio' }] });
    }
    if (input.audience === 'all' && (input.studioIds?.length ?? 0) > 0) {
      throw new AppError('VALIDATION_FAILED', 'An offer to all studios names none', { errors: [{ path: '/studioIds', message: 'must be empty when audience is all' }] });
    }
    const now = clock.now();
    const [row] = await db
      .insert(offers)
      .values({ id: newId('offer'), shopId: product.shopId, productId: product.id, commissionBps: input.commissionBps, audience: input.audience, studioIds, createdBy: userId, createdAt: now, updatedAt: now })
      .returning();
    if (!row) throw new AppError('INTERNAL', 'offer insert returned nothing');
    return (await views([row], []))[0] as OfferView;
  }

  /** Merchants: their shops' offers. Producers: active offers their studios may take. Admins: all. */
  async function list(caller: Caller): Promise<OfferView[]> {
    const userId = signedIn(caller);
    switch (caller.role) {
      case 'merchant': {
        const shops = await orgs.orgIdsOf(userId, 'shop');
        if (shops.length === 0) return [];
        const rows = await db.select().from(offers).where(inArray(offers.shopId, shops)).orderBy(desc(offers.createdAt), desc(offers.id)).limit(500);
        return views(rows, []);
      }
      case 'creator': {
        const studios = await orgs.orgIdsOf(userId, 'studio');
        if (studios.length === 0) return [];
        const rows = await db
          .select()
          .from(offers)
          .where(and(eq(offers.status, 'active'), visibleTo(studios)))
          .orderBy(desc(offers.createdAt), desc(offers.id))
          .limit(500);
        return views(rows, studios);
      }
      case 'admin':
        return views(await db.select().from(offers).orderBy(desc(offers.createdAt), desc(offers.id)).limit(500), []);
      case 'viewer':
      case null:
        throw new AppError('FORBIDDEN', 'Offers are for merchants and producers');
      default: {
        const unreachable: never = caller.role;
        throw new Error(`unknown role ${String(unreachable)}`);
      }
    }
  }

  async function withdraw(caller: Caller, offerId: string): Promise<OfferView> {
    const userId = signedIn(caller);
    const shops = caller.role === 'admin' ? null : await orgs.orgIdsOf(userId, 'shop');
    if (shops?.length === 0) throw new AppError('NOT_FOUND', 'Offer not found');
    const [row] = await db
      .update(offers)
      .set({ status: 'withdrawn', updatedAt: clock.now() })
      .where(and(eq(offers.id, offerId), shops ? inArray(offers.shopId, shops) : undefined))
      .returning();
    if (!row) throw new AppError('NOT_FOUND', 'Offer not found');
    return (await views([row], []))[0] as OfferView;
  }

  /** A studio takes an offer it can see; accepting again changes nothing. */
  async function accept(caller: Caller, offerId: string, studioIdInput?: string): Promise<OfferView> {
    const userId = signedIn(caller);
    const studios = await orgs.orgIdsOf(userId, 'studio');
    const studioId = studioIdInput ?? studios[0];
    if (!studioId) throw new AppError('FORBIDDEN', 'You belong to no studio');
    if (caller.role !== 'admin' && !studios.includes(studioId)) throw new AppError('FORBIDDEN', 'You are not a member of this studio');
    const [row] = await db.select().from(offers).where(and(eq(offers.id, offerId), visibleTo([studioId])));
    if (!row) throw new AppError('NOT_FOUND', 'Offer not found');
    if (row.status !== 'active') throw new AppError('INVALID_STATE', 'This offer was withdrawn');
    await db.insert(offerAcceptances).values({ offerId, studioId, acceptedBy: userId, acceptedAt: clock.now() }).onConflictDoNothing();
    return (await views([row], [studioId]))[0] as OfferView;
  }

  /**
   * The offer under which a studio may place a product: active, accepted by the studio, and the
   * best commission if several are (newest first among equals). Null when there is none.
   */
  async function acceptedOfferFor(studioId: string, productId: string): Promise<OfferRow | null> {
    const [row] = await db
      .select({ offer: offers })
      .from(offers)
      .innerJoin(offerAcceptances, and(eq(offerAcceptances.offerId, offers.id), eq(offerAcceptances.studioId, studioId)))
      .where(and(eq(offers.productId, productId), eq(offers.status, 'active')))
      .orderBy(desc(offers.commissionBps), desc(offers.createdAt), desc(offers.id))
      .limit(1);
    return row?.offer ?? null;
  }

  return { create, list, withdraw, accept, acceptedOfferFor };
}

export type Offers = ReturnType<typeof createOffers>;
