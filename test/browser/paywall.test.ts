import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeVideo, launchPhone, screenshot, swipe, waitForIndex, waitForPlaying, type Phone } from './support/browser.ts';
import { seedSeries, StudioClient, type SeededSeries } from './support/content.ts';
import type { DomElement, DomVideo, DomWindow } from './support/dom.ts';
import { startBrowserServer, type BrowserServer } from './support/server.ts';

/**
 * The paywall on a phone, against the real server: a locked episode shows the unlock sheet with
 * its price and the cost to finish; a top-up goes through the sandbox's hosted payment page and
 * back; unlocking plays the episode in place; a rewarded ad unlocks the next one; the wallet lists
 * every movement; a spending limit stops an unlock with the server's reason; VIP is bought with
 * renewal left off, plays the VIP series, and is cancelled in one tap.
 */
describe('paywall on a phone', () => {
  let server: BrowserServer;
  let phone: Phone;
  let series: SeededSeries;
  let studio: StudioClient;
  const ep = (n: number): string => series.episodes[n - 1]!.id;

  beforeAll(async () => {
    // A short rewarded ad keeps the test quick; the network still measures it on its own clock.
    server = await startBrowserServer({ env: { ADS_SANDBOX_DURATION_MS: '2000' } });
    studio = await StudioClient.signUp(server.baseUrl);
    [series] = (await seedSeries(studio, [
      {
        title: 'Jade Palace',
        synopsis: 'A palace maid keeps the empress’s secret, and the empress keeps hers.',
        tags: ['palace', 'drama'],
        colour: '#1f5c4a',
        episodes: [
          { title: 'The New Maid', priceCoins: 0 },
          { title: 'The Locked Room', priceCoins: 30 },
          { title: 'Poison Tea', priceCoins: 30 },
          { title: 'The Empress Knows', priceCoins: 40 },
        ],
      },
    ])) as [SeededSeries];
    // The producer's settings, through the same PATCH the studio page sends.
    await studio.call('PATCH', `/api/v1/series/${series.id}`, { freeEpisodes: 1, bundlePriceCoins: 80, inVip: true, adUnlock: true });
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

  const sheet = (page: Page) => page.locator('[data-role="active"] [data-testid="unlock-sheet"]');

  /** The on-screen video plays this episode and its clock moves on. */
  async function expectPlaying(page: Page, episodeId: string): Promise<void> {
    const first = await waitForPlaying(page, 0.5, 30_000);
    expect(first.episodeId).toBe(episodeId);
    await page.waitForFunction((t) => {
      const video = (globalThis as unknown as DomWindow).document.querySelector<DomVideo>('[data-testid="pager-slot"][data-role="active"] video');
      return !!video && video.currentTime > t + 0.5;
    }, first.currentTime);
    const later = await activeVideo(page);
    expect(later!.currentTime).toBeGreaterThan(first.currentTime);
  }

  it('signs up as a viewer', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/signup?next=/`);
    await page.getByLabel('Name').fill('Lin');
    await page.getByLabel('Email').fill(`lin-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${server.baseUrl}/`);
  });

  it('shows what is free and locked on the series page, with the cost to finish and the bundle', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/series/${series.id}`);
    const tiles = page.getByTestId('episode-tile');
    await page.getByTestId('series-offer').waitFor();
    await expect(tiles.evaluateAll((els) => els.map((el) => (el as unknown as DomElement).dataset.state))).resolves.toEqual(['free', 'locked', 'locked', 'locked']);
    await expect(tiles.nth(1).textContent()).resolves.toContain('30 coins');
    await expect(tiles.nth(3).textContent()).resolves.toContain('40 coins');
    await expect(page.getByTestId('series-cost-to-finish').textContent()).resolves.toContain('3 locked episodes · 100 coins');
    await expect(page.getByTestId('series-bundle').textContent()).resolves.toContain('save 20 coins');
    await screenshot(page, 'paywall-series-locked');
  });

  it('offers the unlock sheet on a locked episode, and a top-up through the hosted page when coins are short', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/watch/${ep(2)}`);
    await sheet(page).waitFor({ timeout: 15_000 });
    const text = await page.locator('[data-role="active"] [data-testid="locked-panel"]').textContent();
    expect(text).toContain('This episode costs 30 coins');
    expect(text).toContain('3 locked episodes · 100 coins');
    expect(text).toContain('save 20 coins');
    await expect(sheet(page).getByTestId('sheet-balance').textContent()).resolves.toBe('0');
    await expect(sheet(page).getByTestId('watch-ad').textContent()).resolves.toContain('5 left today');
    await screenshot(page, 'paywall-sheet-no-coins');

    // Not enough coins: the unlock button is the top-up, with the shortfall.
    const topUp = sheet(page).getByTestId('unlock-episode-top-up');
    await expect(topUp.textContent()).resolves.toContain('30 coins short');
    await topUp.click();
    await sheet(page).getByTestId('pack-picker').waitFor();
    await screenshot(page, 'paywall-packs');
    await sheet(page).locator('[data-pack-id="pack_100"]').click();

    await page.waitForURL(/\/api\/v1\/payments\/sandbox\/pay\//);
    await expect(page.getByTestId('amount').textContent()).resolves.toContain('0.99 USD');
    await screenshot(page, 'paywall-sandbox-hosted-page');
    await page.getByRole('button', { name: 'Pay' }).click();

    // Back on the same episode; the balance updates once the webhook has credited the pack.
    await page.waitForURL(new RegExp(`/watch/${ep(2)}`));
    await expect.poll(() => sheet(page).getByTestId('sheet-balance').textContent(), { timeout: 30_000 }).toBe('100');
    expect(new URL(page.url()).searchParams.has('paid')).toBe(false);
    await screenshot(page, 'paywall-sheet-after-top-up');
  });

  it('refuses to charge a price the viewer was not shown, and shows the new one', async () => {
    const { page } = phone;
    // The producer reprices episode 4 while the sheet is open.
    await studio.call('PATCH', `/api/v1/episodes/${ep(4)}`, { priceCoins: 45 });
    await sheet(page).getByTestId('unlock-rest').click();
    const problem = sheet(page).getByTestId('paywall-error');
    await problem.waitFor();
    await expect(problem.getAttribute('data-code')).resolves.toBe('PRICE_CHANGED');
    await expect.poll(() => sheet(page).getByTestId('offer-rest').textContent()).toContain('3 locked episodes · 105 coins');
    await expect(sheet(page).getByTestId('sheet-balance').textContent()).resolves.toBe('100');
    await screenshot(page, 'paywall-price-changed');
    await studio.call('PATCH', `/api/v1/episodes/${ep(4)}`, { priceCoins: 40 });
  });

  it('unlocks the episode and plays it in place', async () => {
    const { page } = phone;
    const before = page.url();
    await sheet(page).getByTestId('unlock-episode').click();
    await sheet(page).waitFor({ state: 'detached', timeout: 15_000 });
    await expectPlaying(page, ep(2));
    expect(page.url()).toBe(before);
    await screenshot(page, 'paywall-unlocked-playing');
  });

  it('unlocks the next episode with a rewarded ad', async () => {
    const { page, cdp } = phone;
    await swipe(cdp, 'up');
    await waitForIndex(page, 2);
    await sheet(page).waitFor({ timeout: 15_000 });
    await expect(sheet(page).getByTestId('sheet-balance').textContent()).resolves.toBe('70');
    await sheet(page).getByTestId('watch-ad').click();
    const ad = page.getByTestId('ad-break');
    await ad.waitFor();
    await expect(page.getByTestId('ad-countdown').textContent()).resolves.toMatch(/Reward in \d seconds?/);
    // No way out of the ad before it ends.
    await expect(ad.locator('button').count()).resolves.toBe(0);
    await page.waitForFunction(() => {
      const video = (globalThis as unknown as DomWindow).document.querySelector<DomVideo>('[data-testid="ad-video"]');
      return !!video && video.currentTime > 0.5;
    });
    await screenshot(page, 'paywall-rewarded-ad');
    await ad.waitFor({ state: 'detached', timeout: 30_000 });
    await sheet(page).waitFor({ state: 'detached', timeout: 15_000 });
    await expectPlaying(page, ep(3));
    await screenshot(page, 'paywall-ad-unlocked-playing');
  });

  it('shows owned episodes and the new cost to finish on the series page', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/series/${series.id}`);
    await page.getByTestId('series-offer').waitFor();
    const tiles = page.getByTestId('episode-tile');
    await expect
      .poll(() => tiles.evaluateAll((els) => els.map((el) => (el as unknown as DomElement).dataset.state)))
      .toEqual(['free', 'owned', 'owned', 'locked']);
    await expect(page.getByTestId('series-cost-to-finish').textContent()).resolves.toContain('1 locked episode · 40 coins');
    await screenshot(page, 'paywall-series-owned');
  });

  it('lists every coin movement in the wallet, checks in, and sets a spending limit', async () => {
    const { page } = phone;
    await page.getByRole('link', { name: 'Me', exact: true }).click();
    await page.getByTestId('wallet-link').click();
    await page.waitForURL(`${server.baseUrl}/wallet`);
    await expect(page.getByTestId('wallet-total').textContent()).resolves.toBe('70');
    const rows = page.getByTestId('wallet-entry');
    await expect(rows.evaluateAll((els) => els.map((el) => (el as unknown as DomElement).dataset.kind))).resolves.toEqual(['coin_spend', 'coin_topup']);
    await expect(rows.nth(0).textContent()).resolves.toContain('-30');
    await expect(rows.nth(1).textContent()).resolves.toContain('+100');

    await page.getByTestId('check-in-button').click();
    await expect.poll(() => page.getByTestId('wallet-total').textContent()).toBe('80');
    await expect.poll(() => rows.first().getAttribute('data-kind')).toBe('bonus_grant');
    await expect(page.getByTestId('wallet-balance').textContent()).resolves.toMatch(/10 bonus coins expire/);
    await expect(page.getByTestId('check-in-button').isDisabled()).resolves.toBe(true);

    // 30 coins were spent today: a 30-coin daily limit leaves nothing for the 40-coin episode.
    await page.locator('input[name="dailyCoins"]').fill('30');
    await page.getByTestId('save-caps').click();
    await page.getByTestId('caps-saved').waitFor();
    await page.reload();
    await expect.poll(() => page.locator('input[name="dailyCoins"]').inputValue()).toBe('30');
    // The pack was partly spent, so the refund the list offers is refused and nothing moves.
    const purchase = page.getByTestId('coin-purchase');
    await expect.poll(() => purchase.count()).toBe(1);
    await purchase.getByTestId('refund-purchase').click();
    await expect.poll(() => page.getByTestId('coin-purchases').textContent()).toContain('Only 70 paid coins are unspent');
    await expect(page.getByTestId('wallet-total').textContent()).resolves.toBe('80');
    await page.getByTestId('coin-purchases').scrollIntoViewIfNeeded();
    await screenshot(page, 'paywall-wallet-refund-refused');
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, 'paywall-wallet');
    await page.getByTestId('wallet-history').scrollIntoViewIfNeeded();
    await screenshot(page, 'paywall-wallet-history');
  });

  it('shows the spending limit the server enforces when unlocking', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/watch/${ep(4)}`);
    await sheet(page).waitFor({ timeout: 15_000 });
    await sheet(page).getByTestId('unlock-episode').click();
    const problem = sheet(page).getByTestId('paywall-error');
    await problem.waitFor();
    await expect(problem.getAttribute('data-code')).resolves.toBe('SPENDING_CAP_REACHED');
    await expect(problem.textContent()).resolves.toContain('daily limit is 30 coins');
    await screenshot(page, 'paywall-spending-cap');
  });

  it('shows the sheet in Chinese', async () => {
    const { page } = phone;
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('ds.lang', 'zh-CN'));
    await page.reload();
    await sheet(page).waitFor({ timeout: 15_000 });
    const text = await page.locator('[data-role="active"] [data-testid="locked-panel"]').textContent();
    expect(text).toContain('本集需 40 金币');
    expect(text).toContain('解锁 · 40 金币');
    expect(text).toContain('今日还剩 4 次');
    await screenshot(page, 'paywall-sheet-zh');
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('ds.lang', 'en'));
    await page.reload();
    await sheet(page).waitFor({ timeout: 15_000 });
  });

  it('buys VIP with renewal left off, plays the VIP series, and cancels in one tap', async () => {
    const { page } = phone;
    await sheet(page).getByTestId('get-vip').click();
    await page.waitForURL(/\/vip\?next=/);
    const renew = page.getByTestId('vip-buy-auto-renew');
    await expect(renew.isChecked()).resolves.toBe(false);
    await expect(page.getByTestId('vip-terms').textContent()).resolves.toContain('Nothing renews');
    await page.locator('[data-plan-id="weekly"]').click();
    await screenshot(page, 'paywall-vip-plans');
    await page.getByTestId('vip-pay').click();
    await page.waitForURL(/\/api\/v1\/payments\/sandbox\/pay\//);
    await expect(page.getByTestId('amount').textContent()).resolves.toContain('2.99 USD');
    await page.getByRole('button', { name: 'Pay' }).click();

    // Back on the episode it was bought for: VIP plays it.
    await page.waitForURL(new RegExp(`/watch/${ep(4)}`));
    await expectPlaying(page, ep(4));
    await screenshot(page, 'paywall-vip-playing');

    // The grid tells VIP episodes apart from owned ones.
    await page.goto(`${server.baseUrl}/series/${series.id}`);
    const tiles = page.getByTestId('episode-tile');
    await expect
      .poll(() => tiles.evaluateAll((els) => els.map((el) => (el as unknown as DomElement).dataset.state)))
      .toEqual(['free', 'owned', 'owned', 'vip']);

    await page.goto(`${server.baseUrl}/vip`);
    const card = page.getByTestId('vip-membership');
    await card.waitFor();
    await expect(card.getAttribute('data-auto-renew')).resolves.toBe('false');
    await expect(page.getByTestId('vip-period').textContent()).resolves.toMatch(/Current period: .+ – .+/);
    await page.getByTestId('vip-cancel').click();
    await expect.poll(() => card.getAttribute('data-cancelled')).toBe('true');
    await expect(page.getByTestId('vip-ends').textContent()).resolves.toMatch(/Access until .+\. It will not renew\./);
    await screenshot(page, 'paywall-vip-cancelled');
  });

  it('lets a producer set the series pricing in the studio', async () => {
    const desk = await launchPhone({ viewport: { width: 1280, height: 860 }, mobile: false });
    try {
      const { page } = desk;
      await page.goto(`${server.baseUrl}/signup`);
      await page.getByText('Publish series').click();
      await page.getByLabel('Name').fill('Palace Studio');
      await page.getByLabel('Email').fill(`producer-${Date.now()}@example.com`);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${server.baseUrl}/studio`);
      await page.getByRole('link', { name: 'New series' }).click();
      await page.getByLabel('Title').fill('Silk Road Bride');
      await page.getByRole('button', { name: 'Create series' }).click();
      await page.waitForURL(/\/studio\/series\/ser_/);
      const seriesId = new URL(page.url()).pathname.split('/').pop()!;
      const form = page.getByTestId('series-pricing');
      await form.locator('input[name="freeEpisodes"]').fill('3');
      await form.locator('input[name="bundlePriceCoins"]').fill('199');
      await form.locator('input[name="inVip"]').check();
      await form.locator('input[name="adUnlock"]').check();
      await page.getByTestId('save-pricing').click();
      await expect
        .poll(() => page.evaluate(async (id) => (await fetch(`/api/v1/series/${id}`)).json(), seriesId))
        .toMatchObject({ freeEpisodes: 3, bundlePriceCoins: 199, inVip: true, adUnlock: true });
      await form.scrollIntoViewIfNeeded();
      await screenshot(page, 'paywall-studio-pricing');
    } finally {
      await desk.close();
    }
  });

  it('asks a signed-out viewer to sign in and come back to the episode', async () => {
    const guest = await launchPhone();
    try {
      await guest.page.goto(`${server.baseUrl}/watch/${ep(2)}`);
      const prompt = guest.page.locator('[data-role="active"] [data-testid="sign-in-to-unlock"]');
      await prompt.waitFor({ timeout: 15_000 });
      await expect(prompt.getAttribute('href')).resolves.toBe(`/signin?next=${encodeURIComponent(`/watch/${ep(2)}`)}`);
      await expect(sheet(guest.page).textContent()).resolves.toContain('3 locked episodes · 100 coins');
      await screenshot(guest.page, 'paywall-sheet-signed-out');
    } finally {
      await guest.close();
    }
  });
});
