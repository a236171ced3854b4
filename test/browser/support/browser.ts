import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import type { DomVideo, DomWindow } from './dom.ts';

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../test-artifacts/screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export interface Phone {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  close(): Promise<void>;
}

/** A 390×844 touch phone in a fresh profile (nothing remembered between tests). */
export async function launchPhone(options: { locale?: string; viewport?: { width: number; height: number }; mobile?: boolean } = {}): Promise<Phone> {
  const profile = await mkdtemp(join(tmpdir(), 'ds-chromium-'));
  const mobile = options.mobile ?? true;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport ?? { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: mobile,
    hasTouch: mobile,
    locale: options.locale ?? 'en-US',
  });
  // tsx (esbuild keepNames) wraps named functions in page.evaluate callbacks with __name().
  await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  return {
    context,
    page,
    cdp,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real touch gesture (touchstart, moves, touchend), as a finger would make it. */
export async function swipe(cdp: CDPSession, direction: 'up' | 'down', options: { x?: number; height?: number; durationMs?: number } = {}): Promise<void> {
  const x = options.x ?? 195;
  const height = options.height ?? 844;
  const from = direction === 'up' ? height * 0.7 : height * 0.3;
  const to = direction === 'up' ? height * 0.25 : height * 0.75;
  const steps = 6;
  const duration = options.durationMs ?? 120;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y: from }] });
  for (let i = 1; i <= steps; i += 1) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: from + ((to - from) * i) / steps }] });
    await sleep(duration / steps);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

export interface ActiveVideo {
  index: number;
  episodeId: string | null;
  currentTime: number;
  paused: boolean;
  muted: boolean;
  readyState: number;
}

/** What the on-screen player is doing. */
export async function activeVideo(page: Page): Promise<ActiveVideo | null> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as DomWindow;
    const slot = document.querySelector('[data-testid="pager-slot"][data-role="active"]');
    const player = slot?.querySelector('[data-testid="player"]');
    const video = slot?.querySelector<DomVideo>('video');
    if (!slot || !video) return null;
    return {
      index: Number(slot.dataset.slotIndex),
      episodeId: player?.dataset.episodeId ?? null,
      currentTime: video.currentTime,
      paused: video.paused,
      muted: video.muted,
      readyState: video.readyState,
    };
  });
}

/** Waits until the on-screen video is playing past `minTime` seconds. */
export async function waitForPlaying(page: Page, minTime = 0.3, timeoutMs = 30_000): Promise<ActiveVideo> {
  await page.waitForFunction(
    (min) => {
      const { document } = globalThis as unknown as DomWindow;
      const video = document.querySelector<DomVideo>('[data-testid="pager-slot"][data-role="active"] video');
      return !!video && !video.paused && video.currentTime > min;
    },
    minTime,
    { timeout: timeoutMs, polling: 50 },
  );
  const state = await activeVideo(page);
  if (!state) throw new Error('no active video');
  return state;
}

/** Waits until the pager shows item `index` (its commit may trail the gesture by a frame or two). */
export async function waitForIndex(page: Page, index: number, timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const { document } = globalThis as unknown as DomWindow;
      return document.querySelector('[data-testid="pager"]')?.dataset.index === String(want);
    },
    index,
    { timeout: timeoutMs, polling: 20 },
  );
}
