/**
 * Swipe-to-first-frame in the vertical feed, in Chromium on localhost: the time from the finger
 * leaving the screen (touchend of a real touch swipe) to the first frame the new episode's video
 * presents while playing (requestVideoFrameCallback with currentTime > 0). Run with the next
 * player warmed up (prefetch, the default) and without it (`?prefetch=0`, the baseline).
 *
 *   npm run bench:swipe            SWIPES=20 DWELL_MS=2000 BENCH_DATA_DIR=/tmp/ds-bench-swipe
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchPhone, swipe, waitForPlaying } from '../test/browser/support/browser.ts';
import { seedSeries, StudioClient, type SeedSeries } from '../test/browser/support/content.ts';
import type { DomVideo, DomWindow } from '../test/browser/support/dom.ts';
import { startBrowserServer } from '../test/browser/support/server.ts';

const SWIPES = Number(process.env.SWIPES ?? 20);
// How long the viewer watches before swiping on: time for the next player to warm up.
const DWELL_MS = Number(process.env.DWELL_MS ?? 2000);
const DATA_DIR = process.env.BENCH_DATA_DIR ?? join(tmpdir(), 'ds-bench-swipe');
const COLOURS = ['#1b3a5c', '#6b1f3a', '#2e5e3a', '#5c4a1b'];

async function ensureContent(baseUrl: string, needed: number): Promise<void> {
  const feed = (await (await fetch(`${baseUrl}/api/v1/feed?limit=50`)).json()) as { items: unknown[] };
  const missing = needed - feed.items.length;
  if (missing <= 0) return;
  console.log(`seeding ${missing} series (kept in ${DATA_DIR} for the next run)…`);
  const studio = await StudioClient.signUp(baseUrl);
  const series: SeedSeries[] = Array.from({ length: missing }, (_, i) => ({
    title: `Bench series ${feed.items.length + i + 1}`,
    synopsis: 'Swipe benchmark content.',
    tags: ['bench'],
    colour: COLOURS[i % COLOURS.length]!,
    episodes: [{ title: 'Pilot', priceCoins: 0, durationMs: 20_000 }],
  }));
  await seedSeries(studio, series);
}

/** Arms the measurement for the swipe to the item after the current one. */
async function armMeasurement(page: Page): Promise<void> {
  await page.evaluate(() => {
    const win = globalThis as unknown as DomWindow;
    const pager = win.document.querySelector('[data-testid="pager"]');
    const next = Number(pager?.dataset.index ?? -1) + 1;
    const video = win.document.querySelector<DomVideo>(`[data-testid="pager-slot"][data-slot-index="${next}"] video`);
    win.swipeResult = new Promise<number>((resolve, reject) => {
      if (!video) {
        reject(new Error(`no video in slot ${next}`));
        return;
      }
      let liftedAt: number | null = null;
      let done = false;
      win.document.addEventListener('touchend', () => (liftedAt = win.performance.now()), { capture: true, once: true });
      const onFrame = (now: number): void => {
        if (done) return;
        if (liftedAt !== null && video.currentTime > 0 && !video.paused) {
          done = true;
          resolve(Math.max(0, now - liftedAt));
        } else {
          video.requestVideoFrameCallback(onFrame);
        }
      };
      video.requestVideoFrameCallback(onFrame);
      // Attaching a new source may drop pending frame callbacks: ask again once it plays.
      video.addEventListener('playing', () => video.requestVideoFrameCallback(onFrame));
      setTimeout(() => reject(new Error('no frame within 15 s')), 15_000);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

async function measure(baseUrl: string, prefetch: boolean): Promise<number[]> {
  const phone = await launchPhone();
  try {
    const { page, cdp } = phone;
    await page.goto(`${baseUrl}/?prefetch=${prefetch ? 1 : 0}`);
    await waitForPlaying(page, 0.2, 30_000);
    const samples: number[] = [];
    for (let i = 0; i < SWIPES; i += 1) {
      await page.waitForTimeout(DWELL_MS);
      await armMeasurement(page);
      await swipe(cdp, 'up');
      samples.push(await page.evaluate(() => (globalThis as unknown as DomWindow).swipeResult as Promise<number>));
    }
    return samples;
  } finally {
    await phone.close();
  }
}

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (n: number) => `${n.toFixed(0).padStart(5)} ms`;
  return `${label.padEnd(22)} median ${fmt(percentile(sorted, 0.5))}   p95 ${fmt(percentile(sorted, 0.95))}   min ${fmt(sorted[0]!)}   max ${fmt(sorted.at(-1)!)}   (n=${samples.length})`;
}

const server = await startBrowserServer({ dataDir: DATA_DIR });
try {
  await ensureContent(server.baseUrl, SWIPES + 1);
  const warm = await measure(server.baseUrl, true);
  const cold = await measure(server.baseUrl, false);
  console.log(`\nswipe to first frame, Chromium 390×844 touch, localhost, ${SWIPES} swipes, ${DWELL_MS} ms on each episode`);
  console.log(summary('with prefetch', warm));
  console.log(summary('without (baseline)', cold));
} finally {
  await server.close();
}
