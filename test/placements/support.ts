import { expect } from 'vitest';
import { TestClient, type TestPlatform } from '../support/app.ts';

export interface ProductSpec {
  title?: string;
  prices?: number[];
  currency?: string;
  images?: string[];
}

/** A product with one SKU per price (in order), through the commerce API. */
export async function createProduct(merchant: TestClient, spec: ProductSpec = {}): Promise<string> {
  const prices = spec.prices ?? [1999];
  const response = await merchant.post('/api/v1/products', {
    title: spec.title ?? `Red handbag ${Math.random().toString(36).slice(2, 7)}`,
    images: spec.images ?? ['https://example.com/bag.jpg'],
    skus: prices.map((priceMinor, i) => ({ options: { size: `S${i}` }, priceMinor, currency: spec.currency ?? 'CNY', stock: 10 })),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

export async function createOffer(merchant: TestClient, productId: string, body: { commissionBps?: number; audience?: 'all' | 'studios'; studioIds?: string[] } = {}): Promise<string> {
  const response = await merchant.post('/api/v1/offers', { productId, commissionBps: body.commissionBps ?? 1000, audience: body.audience ?? 'all', ...(body.studioIds ? { studioIds: body.studioIds } : {}) });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

export async function acceptOffer(producer: TestClient, offerId: string): Promise<void> {
  const response = await producer.post(`/api/v1/offers/${offerId}/accept`, {});
  expect(response.statusCode, response.body).toBe(200);
}

export interface PlacementBody {
  productId: string;
  startMs: number;
  endMs: number;
  box?: { x: number; y: number; w: number; h: number } | null;
  label?: 'same' | 'similar';
  cta?: string;
}

export function placementBody(body: PlacementBody): Record<string, unknown> {
  return { label: 'same', cta: 'Shop the look', ...body };
}

export async function place(producer: TestClient, episodeId: string, body: PlacementBody): Promise<string> {
  const response = await producer.post(`/api/v1/episodes/${episodeId}/placements`, placementBody(body));
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>().id;
}

/** A product of `merchant` offered to all and accepted by `producer`'s studio: ready to place. */
export async function placeableProduct(merchant: TestClient, producer: TestClient, spec: ProductSpec = {}): Promise<string> {
  const productId = await createProduct(merchant, spec);
  await acceptOffer(producer, await createOffer(merchant, productId));
  return productId;
}

export async function signedUp(t: TestPlatform, role: 'viewer' | 'creator' | 'merchant'): Promise<TestClient> {
  return new TestClient(t.app).signUp(role);
}

/** The anonymous device id a client was given (its viewer key while signed out). */
export function deviceIdOf(client: TestClient): string {
  const match = /(?:^|; )ds_did=([^;]+)/.exec(client.cookieHeader());
  if (!match?.[1]) throw new Error('the client has no device cookie yet');
  return match[1];
}
