import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeVideo, launchPhone, screenshot, swipe, waitForIndex, waitForPlaying, type Phone } from './support/browser.ts';
import { seedSeries, StudioClient, type SeededSeries } from './support/content.ts';
import type { DomVideo, DomWindow } from './support/dom.ts';
import { startBrowserServer, type BrowserServer } from './support/server.ts';
import { signUpInBrowser } from './support/sign-in.ts';

/**
 * The viewer's journey on a phone: the feed plays, a swipe plays the next series at once, the
 * series page lists episodes with their prices, a priced episode shows the lock, and after a
 * reload "continue watching" starts at the second where the viewer stopped.
 */
describe('viewer on a phone', () => {
  let server: BrowserServer;
  let phone: Phone;
  let river: SeededSeries;
  let lantern: SeededSeries;

  beforeAll(async () => {
    server = await startBrowserServer();
    const studio = await StudioClient.signUp(server.baseUrl);
    // Published in this order, so the feed (newest first) starts with Lantern.
    [river, lantern] = await seedSeries(studio, [
      {
        title: 'The River Bride',
        synopsis: 'A village sends a bride to the river god every spring. This year she comes back.',
        tags: ['romance', 'fantasy'],
        colour: '#1b3a5c',
        episodes: [
          { title: 'The Offering', priceCoins: 0 },
          { title: 'Under Water', priceCoins: 0 },
          { title: 'The Red Bracelet', priceCoins: 30 },
        ],
      },
      {
        title: 'Lantern Street',
        synopsis: 'A night-market cook finds a ledger that someone would kill for.',
        tags: ['thriller'],
        colour: '#6b1f3a',
        episodes: [{ title: 'The Ledger', priceCoins: 0 }],
      },
    ]) as [SeededSeries, SeededSeries];
    phone = await launchPhone();
    phone.page.on('response', (response) => {
      if (response.status() >= 400 && response.url().includes('/api/')) {
        console.info(`${response.request().method()} ${response.url()} → ${response.status()}`);
      }
    });
  });

  afterAll(async () => {
    await phone?.close();
    await server?.close();
  });

  it('signs up as a viewer with the CSRF-protected form', async () => {
    const { page } = phone;
    await signUpInBrowser(page, server.baseUrl, 'Mei');
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json() as Promise<{ user: { displayName: string } | null }>);
    expect(me.user?.displayName).toBe('Mei');
  });

  it('plays the feed, muted until the first tap', async () => {
    const { page } = phone;
    const playing = await waitForPlaying(page, 0.5);
    expect(playing.index).toBe(0);
    expect(playing.episodeId).toBe(lantern.episodes[0]!.id);
    expect(playing.muted).toBe(true);
    await expect(page.getByTestId('sound-hint').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-role="active"] [data-testid="episode-badge"]').textContent()).resolves.toBe('EP 1');
    await screenshot(page, 'feed-playing');
  });

  it('swipes up to the next series, which is already warm and plays at once', async () => {
    const { page, cdp } = phone;
    // The next player loaded its playlist and first segment while the first one played.
    await page.waitForFunction(
      () => {
        const { document } = globalThis as unknown as DomWindow;
        const video = document.querySelector<DomVideo>('[data-testid="pager-slot"][data-role="next"] video');
        return !!video && video.readyState >= 2;
      },
      undefined,
      { timeout: 20_000 },
    );
    await swipe(cdp, 'up');
    await waitForIndex(page, 1);
    const playing = await waitForPlaying(page, 0.5, 10_000);
    expect(playing.index).toBe(1);
    expect(playing.episodeId).toBe(river.episodes[0]!.id);
    await screenshot(page, 'feed-after-swipe');
  });

  it('saves where the viewer stopped and resumes there after a reload', async () => {
    const { page } = phone;
    await waitForPlaying(page, 4, 20_000);
    await page.locator('[data-role="active"] [data-testid="follow-button"]').click();
    await expect.poll(() => page.locator('[data-role="active"] [data-testid="follow-button"]').getAttribute('aria-pressed'), { timeout: 5000 }).toBe('true');
    const stoppedAt = (await activeVideo(page))!.currentTime;
    await page.locator('[data-role="active"] [data-testid="series-link"]').click();
    await page.waitForURL(`${server.baseUrl}/series/${river.id}`);
    await page.getByTestId('episode-grid').waitFor();
    const tiles = page.getByTestId('episode-tile');
    // The tiles' states come from a second request (what this viewer owns): wait for them.
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => tiles.nth(0).textContent(), { timeout: 10_000 }).toContain('Free');
    await expect.poll(() => tiles.nth(2).textContent(), { timeout: 10_000 }).toContain('30 coins');
    await screenshot(page, 'series-page');

    await page.reload();
    await page.getByTestId('play-series').filter({ hasText: 'Continue EP 1' }).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Me', exact: true }).click();
    const resume = page.getByTestId('continue-item').first();
    await resume.waitFor();
    await expect(resume.textContent()).resolves.toContain('The River Bride');
    await expect(page.getByTestId('follows').textContent()).resolves.toContain('The River Bride');
    await screenshot(page, 'me-continue-watching');

    await page.evaluate(() => {
      const win = globalThis as unknown as DomWindow;
      win.document.addEventListener(
        'playing',
        (event) => {
          win.firstPlayingAt ??= (event.target as DomVideo).currentTime;
        },
        { capture: true },
      );
    });
    await resume.click();
    await page.waitForURL(new RegExp(`/watch/${river.episodes[0]!.id}`));
    await waitForPlaying(page, 0, 20_000);
    const startedAt = await page.evaluate(() => (globalThis as unknown as DomWindow).firstPlayingAt as number);
    expect(Math.abs(startedAt - stoppedAt)).toBeLessThan(1);
    await screenshot(page, 'watch-resumed');
  });

  it('shows a locked panel, not a broken player, for a priced episode', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/watch/${river.episodes[2]!.id}`);
    const panel = page.locator('[data-role="active"] [data-testid="locked-panel"]');
    await panel.waitFor({ timeout: 10_000 });
    await expect(panel.textContent()).resolves.toContain('This episode costs 30 coins');
    await screenshot(page, 'locked-episode');
  });

  it('switches to Chinese and remembers it', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/me`);
    await page.getByTestId('lang-zh-CN').click();
    await page.reload();
    await page.getByText('继续观看').waitFor();
    await page.goto(`${server.baseUrl}/series/${river.id}`);
    await expect(page.getByTestId('episode-grid').textContent()).resolves.toContain('免费');
    await screenshot(page, 'series-page-zh');
  });
});
