import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPhone, screenshot, type Phone } from './support/browser.ts';
import type { DomElement, DomWindow } from './support/dom.ts';
import { coverImage, twoChunkClip } from './support/files.ts';
import { startBrowserServer, type BrowserServer } from './support/server.ts';

const CHUNK = 8 * 1024 * 1024;

/**
 * A creator's path on a desktop browser: sign up, create a series with a cover, add an episode,
 * upload its video with tus (surviving a dropped request), watch it transcode, publish both.
 */
describe('studio on a desktop browser', () => {
  let server: BrowserServer;
  let browser: Phone;

  beforeAll(async () => {
    server = await startBrowserServer();
    browser = await launchPhone({ viewport: { width: 1280, height: 860 }, mobile: false });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up as a creator and creates a series with a cover', async () => {
    const { page } = browser;
    await page.goto(`${server.baseUrl}/signup`);
    await page.getByText('Publish series').click();
    await page.getByLabel('Name').fill('Lantern Studio');
    await page.getByLabel('Email').fill(`creator-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.baseUrl}/studio`);
    await page.getByRole('link', { name: 'New series' }).click();
    await page.getByLabel('Title').fill('Night Market Ledger');
    await page.getByLabel('Synopsis').fill('A cook at a night market finds a ledger that someone would kill for.');
    await page.getByLabel('Tags').fill('thriller, food');
    await page.getByTestId('cover-file').setInputFiles(await coverImage());
    await page.getByRole('button', { name: 'Create series' }).click();
    await page.waitForURL(/\/studio\/series\/ser_/);
    await page.getByTestId('studio-series-page').waitFor();
    await expect.poll(() => page.locator('.cover-input__frame img').getAttribute('src'), { timeout: 5000 }).toMatch(/\/api\/v1\/series\/.+\/cover/);
    await screenshot(page, 'studio-new-series');
  });

  it('uploads an episode with tus, resuming after a dropped request, then shows the transcode', async () => {
    const { page } = browser;
    await page.getByLabel('Title', { exact: true }).last().fill('The Ledger');
    await page.getByRole('button', { name: 'Add episode' }).last().click();
    const row = page.getByTestId('studio-episode').first();
    await row.waitFor();

    const clip = await twoChunkClip();
    const size = (await stat(clip)).size;
    expect(size).toBeGreaterThan(CHUNK);
    // Drop the second PATCH on the floor, as a flaky mobile network would.
    const patches: { offset: string | null; dropped: boolean }[] = [];
    await page.route('**/api/v1/uploads/**', async (route) => {
      const request = route.request();
      if (request.method() !== 'PATCH') return route.continue();
      const offset = request.headers()['upload-offset'] ?? null;
      const dropped = patches.length === 1;
      patches.push({ offset, dropped });
      return dropped ? route.abort('connectionreset') : route.continue();
    });
    // Collect every percentage the upload bar shows.
    await page.evaluate(() => {
      type Observer = new (callback: () => void) => { observe(node: unknown, options: unknown): void };
      const win = globalThis as unknown as DomWindow & { MutationObserver: Observer };
      const seen: number[] = [];
      win.uploadPercents = seen;
      new win.MutationObserver(() => {
        const bar = win.document.querySelector<DomElement & { value: number }>('[data-testid="upload-progress"] progress');
        if (bar && seen.at(-1) !== bar.value) seen.push(bar.value);
      }).observe(win.document, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await row.getByTestId('video-file').setInputFiles(clip);
    await row.getByTestId('transcode-progress').or(row.getByTestId('media-ready')).waitFor({ timeout: 60_000 });
    await screenshot(page, 'studio-transcoding');

    expect(patches.filter((p) => p.dropped)).toHaveLength(1);
    // After the drop the client asked the server for its offset and went on from the first chunk.
    expect(patches.at(-1)?.offset).toBe(String(CHUNK));
    // The bar moved through intermediate values, not straight from nothing to done.
    const percents = await page.evaluate(() => (globalThis as unknown as DomWindow).uploadPercents as number[]);
    expect(percents.some((value) => value > 0 && value < 100)).toBe(true);

    await row.getByTestId('media-ready').waitFor({ timeout: 180_000 });
  });

  it('publishes the episode and the series, which then leads the feed', async () => {
    const { page } = browser;
    const row = page.getByTestId('studio-episode').first();
    await row.getByTestId('publish-episode').click();
    await row.getByText('Published').waitFor();
    await page.getByTestId('publish-series').click();
    await page.getByRole('link', { name: 'View as viewer' }).waitFor();
    await screenshot(page, 'studio-published');

    await page.goto(`${server.baseUrl}/`);
    await page.getByText('Night Market Ledger').first().waitFor();
    await page.waitForFunction(() => {
      const video = (globalThis as unknown as DomWindow).document.querySelector<{ currentTime: number }>('[data-role="active"] video');
      return !!video && video.currentTime > 0.5;
    });
    await screenshot(page, 'desktop-feed');
  });
});
