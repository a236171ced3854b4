import { expect } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import { mediaAssets } from '../../src/modules/media/schema.ts';
import { TestClient, type TestPlatform } from '../support/app.ts';

/**
 * A published episode with a ready asset row, so playback and the paywall work without transcoding
 * (tests that need real video use test/media's clips instead).
 */
export async function publishedEpisode(t: TestPlatform, producer: TestClient, seriesId: string, input: { number: number; priceCoins: number; title?: string }): Promise<string> {
  const response = await producer.post(`/api/v1/series/${seriesId}/episodes`, { number: input.number, title: input.title ?? `Episode ${input.number}`, priceCoins: input.priceCoins });
  expect(response.statusCode).toBe(201);
  const episodeId = response.json<{ id: string }>().id;
  const assetId = newId('asset');
  await t.platform.drivers.database.db.insert(mediaAssets).values({ id: assetId, episodeId, uploaderId: producer.userId ?? '', status: 'ready', masterPlaylist: 'master.m3u8' });
  await t.platform.modules.catalog.service.setEpisodeMedia(episodeId, { status: 'ready', assetId, durationMs: 6000 });
  expect((await producer.post(`/api/v1/episodes/${episodeId}/publish`)).statusCode).toBe(200);
  return episodeId;
}

/** A published series of episodes with the given prices (episode n costs prices[n-1]). */
export async function publishedSeries(
  t: TestPlatform,
  producer: TestClient,
  input: { prices: number[]; freeEpisodes?: number; bundlePriceCoins?: number | null; inVip?: boolean; adUnlock?: boolean },
): Promise<{ seriesId: string; episodeIds: string[] }> {
  const seriesId = (await producer.post('/api/v1/series', { title: `Series ${newId('series').slice(-6)}` })).json<{ id: string }>().id;
  const settings = await producer.patch(`/api/v1/series/${seriesId}`, {
    freeEpisodes: input.freeEpisodes ?? 0,
    bundlePriceCoins: input.bundlePriceCoins ?? null,
    inVip: input.inVip ?? false,
    adUnlock: input.adUnlock ?? false,
  });
  expect(settings.statusCode).toBe(200);
  const episodeIds: string[] = [];
  for (const [index, priceCoins] of input.prices.entries()) episodeIds.push(await publishedEpisode(t, producer, seriesId, { number: index + 1, priceCoins }));
  expect((await producer.post(`/api/v1/series/${seriesId}/publish`)).statusCode).toBe(200);
  return { seriesId, episodeIds };
}

export async function viewerWithCoins(t: TestPlatform, coins: number): Promise<TestClient> {
  const viewer = await new TestClient(t.app).signUp('viewer');
  if (coins > 0) await t.platform.modules.wallet.service.creditPaidCoins(undefined, { userId: viewer.userId ?? '', coins, reference: `seed_${viewer.userId}` });
  return viewer;
}
