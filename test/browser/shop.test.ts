import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeVideo, launchPhone, screenshot, waitForPlaying, type Phone } from './support/browser.ts';
import { seedSeries, signUpAccount, StudioClient, type SeededSeries } from './support/content.ts';
import { startBrowserServer, type BrowserServer } from './support/server.ts';
import { signInInBrowser, signUpInBrowser } from './support/sign-in.ts';
import { cardLog, hotspotAndFrame, imageServer, watchCard } from './support/shop.ts';

/**
 * Shopping inside the player, on a phone, against the real platform: a merchant's product (colour
 * SKUs, one sold out) is offered, accepted by the studio and placed at 2–6 s of an episode. The card
 * appears and disappears at those seconds (within 250 ms, measured against video.currentTime), the
 * hotspot sits on the box the producer drew, the sheet picks a variant and buys it now, the address
 * is validated, the sandbox hosted page takes the payment, the viewer lands back in the episode at
 * the second they left, and the order is in "My orders" — attributed to the episode and placement.
 * The merchant's console (a desktop browser) shows the order with that attribution; the viewer asks
 * for a refund from the order page, the merchant refunds it from the console, and the viewer's
 * order shows Refunded with the amount.
 */

const START_MS = 2000;
const END_MS = 6000;
const BOX = { x: 0.3, y: 0.35, w: 0.4, h: 0.25 };
// The merchant signs up as "Peony Leather" without naming a shop: identity names it after them.
const SHOP_NAME = "Peony Leather's shop";
const DESKTOP = { viewport: { width: 1280, height: 800 }, mobile: false };
// The machine is shared: give UI round trips more than expect.poll's 1 s default.
const POLL = { timeout: 30_000 };


describe('shopping inside the player on a phone', () => {
  let server: BrowserServer;
  let images: Awaited<ReturnType<typeof imageServer>>;
  let phone: Phone;
  let series: SeededSeries;
  let merchant: StudioClient;
  let merchantEmail = '';
  let merchantConsole: Phone | undefined;
  let episodeId = '';
  let placementId = '';
  let leftAtSec = 0;
  let orderId = '';
  let attributedAtMs = 0;

  beforeAll(async () => {
    server = await startBrowserServer();
    images = await imageServer();
    const studio = await StudioClient.signUp(server.baseUrl);
    [series] = (await seedSeries(studio, [
      {
        title: 'The Red Handbag',
        synopsis: 'An heiress hides a letter in a red handbag; her rival wants it.',
        tags: ['romance'],
        colour: '#5c1f2a',
        episodes: [{ title: 'The Gift', priceCoins: 0 }],
      },
    ])) as [SeededSeries];
    episodeId = series.episodes[0]!.id;

    const merchantAccount = await signUpAccount(server.baseUrl, 'merchant', 'Peony Leather');
    merchant = merchantAccount.client;
    merchantEmail = merchantAccount.email;
    await merchant.call('PUT', '/api/v1/shop/settings', { shippingFlatMinor: 1000, freeShippingOverMinor: null, currency: 'CNY', restockOnRefund: true });
    const product = await merchant.call<{ id: string }>('POST', '/api/v1/products', {
      title: 'Red handbag',
      description: 'Soft leather, gold clasp: the bag from episode 1.',
      brand: 'Peony',
      images: [images.url('bag-red.png'), images.url('bag-black.png')],
      skus: [
        { options: { colour: 'Red' }, priceMinor: 29900, currency: 'CNY', stock: 20 },
        { options: { colour: 'Black' }, priceMinor: 32900, currency: 'CNY', stock: 3 },
        { options: { colour: 'White' }, priceMinor: 29900, currency: 'CNY', stock: 0 },
      ],
    });
    const offer = await merchant.call<{ id: string }>('POST', '/api/v1/offers', { productId: product.id, commissionBps: 1200, audience: 'all' });
    await studio.call('POST', `/api/v1/offers/${offer.id}/accept`, {});
    placementId = (
      await studio.call<{ id: string }>('POST', `/api/v1/episodes/${episodeId}/placements`, {
        productId: product.id,
        startMs: START_MS,
        endMs: END_MS,
        box: BOX,
        label: 'same',
        cta: 'Get the look',
      })
    ).id;

    phone = await launchPhone();
    phone.page.on('response', (response) => {
      if (response.status() >= 400 && response.url().includes('/api/')) console.info(`${response.request().method()} ${response.url()} → ${response.status()}`);
    });
  });

  afterAll(async () => {
    await merchantConsole?.close();
    await phone?.close();
    await server?.close();
    images?.server.close();
  });

  const sheet = (page: Page) => page.locator('[data-role="active"] [data-testid="product-sheet"]');

  it('signs up as a viewer', async () => {
    await signUpInBrowser(phone.page, server.baseUrl, 'Mei');
  });

  it('shows the card at its second with the hotspot on the box, and opens the sheet over the paused video', async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/watch/${episodeId}`);
    await watchCard(page);
    await waitForPlaying(page, 0.3);
    const card = page.locator('[data-role="active"] [data-testid="shop-card"]');
    await card.waitFor({ timeout: 15_000 });
    const [shown] = await cardLog(page);
    expect(shown?.visible).toBe(true);
    // Within 250 ms of its start, measured on the video's own clock.
    expect(shown!.t).toBeGreaterThanOrEqual(START_MS / 1000);
    expect(shown!.t - START_MS / 1000).toBeLessThanOrEqual(0.25);
    expect(await card.textContent()).toContain('Same item');
    expect(await card.textContent()).toContain('Red handbag');
    expect(await card.getByTestId('shop-card-price').textContent()).toBe('CN¥299.00');

    // The box is in fractions of the video frame, which object-fit: cover scales and crops to the phone.
    const { hotspot, frame } = await hotspotAndFrame(page);
    expect(hotspot.x).toBeCloseTo(frame.x + BOX.x * frame.w, 0);
    expect(hotspot.y).toBeCloseTo(frame.y + BOX.y * frame.h, 0);
    expect(hotspot.w).toBeCloseTo(BOX.w * frame.w, 0);
    expect(hotspot.h).toBeCloseTo(BOX.h * frame.h, 0);
    await screenshot(page, 'shop-card');

    await card.click();
    await sheet(page).getByTestId('variant-picker').waitFor();
    // Pausing is the default while the sheet is up.
    await expect.poll(async () => (await activeVideo(page))?.paused).toBe(true);
    leftAtSec = (await activeVideo(page))!.currentTime;
    expect(leftAtSec).toBeGreaterThanOrEqual(START_MS / 1000);
    await expect(sheet(page).getByTestId('stock-state').textContent()).resolves.toBe('In stock');
    await expect(sheet(page).getByTestId('sheet-price').textContent()).resolves.toBe('CN¥299.00');
    await expect(sheet(page).getByTestId('sheet-shop').textContent()).resolves.toBe(`Sold by ${SHOP_NAME}`);
    await page.waitForFunction(`(() => { const img = document.querySelector('[data-testid="product-images"] img'); return !!img && img.complete && img.naturalWidth > 0; })()`);
    await screenshot(page, 'shop-sheet');
  });

  it('picks a variant (sold-out colours cannot be chosen) and buys it now', async () => {
    const { page } = phone;
    const white = sheet(page).locator('[data-testid="variant-option"][data-value="White"]');
    await expect(white.isDisabled()).resolves.toBe(true);
    await sheet(page).locator('[data-testid="variant-option"][data-value="Black"]').click();
    await expect(sheet(page).getByTestId('sheet-price').textContent()).resolves.toBe('CN¥329.00');
    await expect(sheet(page).getByTestId('stock-state').textContent()).resolves.toBe('Only 3 left');
    await screenshot(page, 'shop-sheet-variant');
    await sheet(page).getByTestId('buy-now').click();
    await page.waitForURL(/\/checkout\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('ep')).toBe(episodeId);
    expect(Math.abs(Number(url.searchParams.get('at')) / 1000 - leftAtSec)).toBeLessThan(0.05);
  });

  it('validates the address, shows the server’s shipping and total, and pays on the hosted page', async () => {
    const { page } = phone;
    await page.getByTestId('summary-line').waitFor();
    await expect(page.getByTestId('summary-line').textContent()).resolves.toContain('Black');
    await page.getByTestId('place-order').click();
    await page.getByTestId('address-invalid').waitFor();
    await expect(page.getByTestId('address-error-name').textContent()).resolves.toBe('Required');
    await page.getByLabel('Phone').fill('call me');
    await expect(page.getByTestId('address-error-phone').textContent()).resolves.toBe('Please check this');
    await screenshot(page, 'shop-checkout-errors');

    await page.getByLabel('Full name').fill('Mei Lin');
    await page.getByLabel('Phone').fill('+86 21 5555 0101');
    await page.getByLabel('Address', { exact: true }).fill('88 Nanjing Road');
    await page.getByLabel('City').fill('Shanghai');
    await page.getByLabel('Postcode').fill('200001');
    await page.getByLabel('Country or region').selectOption('CN');
    await expect(page.getByTestId('address-invalid').count()).resolves.toBe(0);
    await page.getByTestId('place-order').click();

    const review = page.getByTestId('checkout-review');
    await review.waitFor();
    await expect(review.getByTestId('review-shop').textContent()).resolves.toBe(`${SHOP_NAME} · CNY`);
    await expect(review.getByTestId('shipping').textContent()).resolves.toBe('CN¥10.00');
    await expect(review.getByTestId('total').textContent()).resolves.toBe('CN¥339.00');
    await screenshot(page, 'shop-checkout-review');
    await review.getByTestId('pay').click();

    await page.waitForURL(/\/api\/v1\/payments\/sandbox\/pay\//);
    await expect(page.getByTestId('amount').textContent()).resolves.toContain('339.00 CNY');
    await screenshot(page, 'shop-sandbox-page');
    await page.getByRole('button', { name: 'Pay' }).click();
  });

  it('comes back to the episode at the second the viewer left, with an "order placed" note', async () => {
    const { page } = phone;
    await page.waitForURL(new RegExp(`/watch/${episodeId}`));
    const playing = await waitForPlaying(page, 0.3);
    expect(playing.episodeId).toBe(episodeId);
    expect(Math.abs(playing.currentTime - leftAtSec)).toBeLessThanOrEqual(1);
    const toast = page.getByTestId('order-toast');
    await expect.poll(() => toast.getAttribute('data-state'), { timeout: 30_000 }).toBe('placed');
    await expect(toast.textContent()).resolves.toContain('Order placed.');
    expect(new URL(page.url()).searchParams.has('checkout')).toBe(false);
    await screenshot(page, 'shop-back-in-episode');
  });

  it('keeps playing muted while shopping when the viewer asks, remembers it, and hides the card at its end', async () => {
    const { page } = phone;
    const card = page.locator('[data-role="active"] [data-testid="shop-card"]');
    // The payment note took a moment: step back inside the card's range.
    await page.evaluate(`(() => { const v = document.querySelector('[data-testid="pager-slot"][data-role="active"] video'); v.currentTime = 3; void v.play(); })()`);
    await card.waitFor();
    await card.click();
    await sheet(page).getByTestId('variant-picker').waitFor();
    await expect.poll(async () => (await activeVideo(page))?.paused).toBe(true);
    await sheet(page).getByTestId('sheet-keep-playing').check();
    await expect.poll(async () => (await activeVideo(page))?.paused).toBe(false);
    expect((await activeVideo(page))?.muted).toBe(true);
    expect(await page.evaluate(`localStorage.getItem('ds.shop.sheetPlayback')`)).toBe('muted');
    await sheet(page).getByTestId('add-to-cart').click();
    await sheet(page).getByTestId('added-to-cart').waitFor();
    await screenshot(page, 'shop-sheet-muted-added');
    await sheet(page).getByTestId('product-sheet-close').click();
    await sheet(page).waitFor({ state: 'detached' });

    // Back inside the range, then through its end: the card goes at END_MS, within 250 ms.
    await page.evaluate(`document.querySelector('[data-testid="pager-slot"][data-role="active"] video').currentTime = 4`);
    await card.waitFor();
    await watchCard(page);
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    const gone = (await cardLog(page)).find((entry) => !entry.visible);
    expect(gone).toBeDefined();
    expect(gone!.t).toBeGreaterThanOrEqual(END_MS / 1000);
    expect(gone!.t - END_MS / 1000).toBeLessThanOrEqual(0.25);
  });

  it('lists the order in "My orders", with tracking once shipped, attributed to the episode and placement', async () => {
    const { page } = phone;
    const shopOrders = await merchant.call<{ items: { id: string; status: string; lines: { attribution: { episodeId: string; placementId: string; touchType: string; atMs: number } | null }[] }[] }>('GET', '/api/v1/shop/orders');
    const order = shopOrders.items[0]!;
    orderId = order.id;
    expect(order.status).toBe('paid');
    expect(order.lines[0]?.attribution).toMatchObject({ episodeId, placementId, touchType: 'card_click' });
    attributedAtMs = order.lines[0]!.attribution!.atMs;
    expect(Math.abs(attributedAtMs / 1000 - leftAtSec)).toBeLessThan(0.5);
    await merchant.call('POST', `/api/v1/shop/orders/${order.id}/ship`, { carrier: 'SF Express', trackingNumber: 'SF1234567890' });

    await page.goto(`${server.baseUrl}/me`);
    await page.getByTestId('orders-link').click();
    await page.waitForURL(`${server.baseUrl}/orders`);
    const item = page.getByTestId('order-item');
    await item.first().waitFor();
    await expect(item.count()).resolves.toBe(1);
    await expect(item.getByTestId('order-status').textContent()).resolves.toBe('Shipped');
    await expect(item.textContent()).resolves.toContain('Red handbag');
    await expect(item.getByTestId('order-shop').textContent()).resolves.toBe(SHOP_NAME);
    await expect(item.textContent()).resolves.toContain('CN¥339.00');
    await expect(item.getByTestId('order-tracking').textContent()).resolves.toBe('SF Express · SF1234567890');
    await screenshot(page, 'shop-my-orders');
    await item.click();
    await page.getByTestId('order-page').getByTestId('order-totals').waitFor();
    await expect(page.getByTestId('order-tracking').textContent()).resolves.toContain('SF1234567890');
    await expect(page.getByTestId('order-page').getByTestId('order-shop').textContent()).resolves.toBe(`Sold by ${SHOP_NAME}`);
    // The line shows the product photo it was bought with.
    await expect.poll(() => page.getByTestId('order-page').locator('.shop-thumb img').first().getAttribute('src'), POLL).toBe(images.url('bag-red.png'));
    await screenshot(page, 'shop-order-detail');
  });

  it('shows the order in the merchant console (desktop), attributed to the same episode, second and placement', async () => {
    merchantConsole = await launchPhone(DESKTOP);
    const { page } = merchantConsole;
    await signInInBrowser(page, server.baseUrl, merchantEmail, '/merchant');
    await page.getByRole('link', { name: 'Orders' }).click();
    const card = page.locator(`[data-testid="shop-order"][data-order-id="${orderId}"]`);
    await card.waitFor({ timeout: 30_000 });
    await expect(card.getByTestId('order-status').textContent()).resolves.toBe('Shipped');
    await expect(card.getByTestId('order-total').textContent()).resolves.toBe('CN¥339.00');
    const attribution = card.getByTestId('attribution');
    await expect(attribution.getAttribute('data-episode-id')).resolves.toBe(episodeId);
    await expect(attribution.getAttribute('data-placement-id')).resolves.toBe(placementId);
    await expect(attribution.getAttribute('data-at-ms')).resolves.toBe(String(attributedAtMs));
    // Titles come from the catalogue after the order list: wait for them rather than the ids.
    await attribution.getByText(series.title).waitFor();
    await attribution.getByText('EP 1 The Gift').waitFor();
    const text = (await attribution.textContent()) ?? '';
    expect(text).toContain(`0:${String(Math.floor(attributedAtMs / 1000)).padStart(2, '0')}`);
    expect(text).toContain('Card tap');
    expect(text).toContain(placementId);
    await expect(page.getByTestId('refunds-waiting').count()).resolves.toBe(0);
    await screenshot(page, 'shop-merchant-console-attributed');
  });

  it('lets the viewer ask for a refund of chosen items from the order page', async () => {
    const { page } = phone;
    const detail = page.getByTestId('order-page');
    await expect(detail.getByTestId('order-status').textContent()).resolves.toBe('Shipped');
    await detail.getByTestId('refund-open').click();
    const form = detail.getByTestId('refund-form');
    await form.waitFor();
    await expect(form.getByTestId('refund-whole-amount').textContent()).resolves.toBe('CN¥339.00');
    await form.getByTestId('refund-some').click();
    // Nothing chosen yet: nothing to send.
    await expect(form.getByTestId('refund-submit').isDisabled()).resolves.toBe(true);
    const line = form.getByTestId('refund-line');
    await expect(line.count()).resolves.toBe(1);
    await line.getByRole('button', { name: 'One more Red handbag' }).click();
    await expect(line.getByTestId('refund-quantity').textContent()).resolves.toBe('1');
    // One was bought: one is the most that can be asked back.
    await expect(line.getByRole('button', { name: 'One more Red handbag' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, 'shop-refund-request-form');
    await form.getByTestId('refund-submit').click();

    await expect.poll(() => detail.getByTestId('order-status').textContent(), POLL).toBe('Refund requested');
    await expect(detail.getByTestId('refund-requested').textContent()).resolves.toContain('Red handbag · Black\u00a0×\u00a01');
    await expect(detail.getByTestId('refund-open').count()).resolves.toBe(0);
    await screenshot(page, 'shop-refund-requested');
    const mine = await merchant.call<{ items: { id: string; status: string; refundRequest: { lineId: string; quantity: number }[] | null }[] }>('GET', '/api/v1/shop/orders');
    expect(mine.items.find((o) => o.id === orderId)).toMatchObject({ status: 'refund_requested', refundRequest: [{ quantity: 1 }] });
  });

  it('shows the merchant the refund request in the console, and refunds it from there', async () => {
    const { page } = merchantConsole!;
    await page.reload();
    const waiting = page.getByTestId('refunds-waiting');
    await waiting.waitFor({ timeout: 30_000 });
    await expect(waiting.textContent()).resolves.toContain('1 refund request is waiting for you.');
    const card = page.locator(`[data-testid="shop-order"][data-order-id="${orderId}"]`);
    await expect.poll(() => card.getByTestId('order-status').textContent(), POLL).toBe('Refund requested');
    await expect(card.getByTestId('refund-request').textContent()).resolves.toBe('The buyer asked for a refund of Red handbag / Black\u00a0×\u00a01.');
    await screenshot(page, 'shop-merchant-refund-requested');

    await card.getByTestId('refund-as-requested').click();
    await expect.poll(() => card.getByTestId('order-status').textContent(), POLL).toBe('Refunded');
    await expect.poll(() => waiting.count(), POLL).toBe(0);
    // The one unit asked back was all there was: shipping goes back too.
    await expect(card.textContent()).resolves.toContain('Refunded CN¥339.00');
    await screenshot(page, 'shop-merchant-refunded');
    const refunded = await merchant.call<{ items: { id: string; status: string; refundedMinor: number; lines: { refundedQuantity: number }[] }[] }>('GET', '/api/v1/shop/orders');
    expect(refunded.items.find((o) => o.id === orderId)).toMatchObject({ status: 'refunded', refundedMinor: 33_900, lines: [{ refundedQuantity: 1 }] });
  });

  it('shows the viewer the order as Refunded, with the amount', async () => {
    const { page } = phone;
    await page.reload();
    const detail = page.getByTestId('order-page');
    await expect.poll(() => detail.getByTestId('order-status').textContent(), POLL).toBe('Refunded');
    await expect(detail.getByTestId('order-refunded').locator('strong').textContent()).resolves.toBe('CN¥339.00 refunded');
    await expect(detail.getByTestId('refund-open').count()).resolves.toBe(0);
    await screenshot(page, 'shop-order-refunded');
    await page.goto(`${server.baseUrl}/orders`);
    await expect.poll(() => page.getByTestId('order-item').getByTestId('order-status').textContent(), POLL).toBe('Refunded');
  });

  it('in Chinese, signed out: shows 剧中同款 with the yuan price, and "buy now" asks to sign in, then comes back to checkout', async () => {
    const guest = await launchPhone({ locale: 'zh-CN' });
    try {
      const { page } = guest;
      await page.goto(`${server.baseUrl}/watch/${episodeId}`);
      const card = page.locator('[data-role="active"] [data-testid="shop-card"]');
      await card.waitFor({ timeout: 15_000 });
      expect(await card.textContent()).toContain('剧中同款');
      expect(await card.getByTestId('shop-card-price').textContent()).toBe('¥299.00');
      await screenshot(page, 'shop-card-zh');
      await card.click();
      await sheet(page).getByTestId('variant-picker').waitFor();
      await expect(sheet(page).getByTestId('buy-now').textContent()).resolves.toBe('立即购买');
      await expect(sheet(page).getByTestId('sheet-shop').textContent()).resolves.toBe(`由 ${SHOP_NAME} 销售`);
      await screenshot(page, 'shop-sheet-zh');
      await sheet(page).getByTestId('buy-now').click();
      await page.waitForURL(/\/signin\?next=/);
      const next = new URL(page.url()).searchParams.get('next') ?? '';
      expect(next).toMatch(new RegExp(`^/checkout\\?product=.+&sku=.+&qty=1&ep=${episodeId}&at=\\d+$`));
    } finally {
      await guest.close();
    }
  });

  it("keeps the cart on the server, grouped by shop under the shop's name with its currency", async () => {
    const { page } = phone;
    await page.goto(`${server.baseUrl}/me`);
    await page.getByTestId('cart-link').click();
    const row = page.getByTestId('cart-item');
    await row.waitFor();
    await expect(page.getByTestId('cart-shop').locator('h2').textContent()).resolves.toBe(`${SHOP_NAME} · CNY`);
    await expect(row.textContent()).resolves.toContain('Red');
    await row.getByRole('button', { name: 'One more' }).click();
    await expect.poll(() => row.getByTestId('quantity').textContent()).toBe('2');
    await page.reload();
    await expect.poll(() => page.getByTestId('cart-item').getByTestId('quantity').textContent()).toBe('2');
    await expect(page.getByTestId('cart-subtotals').textContent()).resolves.toContain('CN¥598.00');
    await screenshot(page, 'shop-cart');
  });
});
