import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { resolveFfmpegBinaries, runFfmpeg } from '../../../src/ffmpeg/binaries.ts';

/** The product photos, served from a little server of their own (product images are external URLs). */
export async function imageServer(): Promise<{ url: (name: string) => string; server: Server }> {
  const dir = join(tmpdir(), 'ds-browser-files');
  await mkdir(dir, { recursive: true });
  const images: Record<string, string> = { 'bag-red.png': '#b3132b', 'bag-black.png': '#1d1d22' };
  for (const [name, colour] of Object.entries(images)) {
    const path = join(dir, name);
    if (await stat(path).then((s) => s.size > 0, () => false)) continue;
    await runFfmpeg(
      ['-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=480x480`, '-vf', 'drawbox=x=110:y=170:w=260:h=200:color=white@0.25:t=fill,drawbox=x=180:y=110:w=120:h=70:color=white@0.5:t=8', '-frames:v', '1', path],
      { binaries: resolveFfmpegBinaries() },
    );
  }
  const server = createServer((request, response) => {
    const name = (request.url ?? '').slice(1);
    if (!(name in images)) {
      response.writeHead(404).end();
      return;
    }
    void readFile(join(dir, name)).then((bytes) => response.writeHead(200, { 'content-type': 'image/png' }).end(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: (name) => `http://127.0.0.1:${port}/${name}`, server };
}

export interface CardLogEntry {
  visible: boolean;
  t: number;
}

/**
 * Records, in the page, every time the active slot's card appears or goes, with video.currentTime at
 * that moment (a MutationObserver runs right after the DOM change, before the next frame).
 */
export async function watchCard(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__cardLog = [];
    let last = false;
    const check = () => {
      const slot = document.querySelector('[data-testid="pager-slot"][data-role="active"]');
      const video = slot && slot.querySelector('video');
      const visible = !!(slot && slot.querySelector('[data-testid="shop-card"]'));
      if (visible === last || !video) return;
      last = visible;
      window.__cardLog.push({ visible, t: video.currentTime });
    };
    new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
    check();
  })()`);
}


export const cardLog = (page: Page): Promise<CardLogEntry[]> => page.evaluate<CardLogEntry[]>('window.__cardLog');

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The active slide's hotspot and the video frame as shown on screen: object-fit: cover scales and
 * crops the frame to the phone, and a placement's box is in fractions of that frame.
 */
export async function hotspotAndFrame(page: Page): Promise<{ hotspot: Rect; frame: Rect }> {
  const geometry = await page.evaluate<{ v: Rect; h: Rect; vw: number; vh: number }>(`(() => {
    const slot = document.querySelector('[data-testid="pager-slot"][data-role="active"]');
    const v = slot.querySelector('video').getBoundingClientRect();
    const h = slot.querySelector('[data-testid="shop-hotspot"]').getBoundingClientRect();
    const video = slot.querySelector('video');
    return { v: { x: v.x, y: v.y, w: v.width, h: v.height }, h: { x: h.x, y: h.y, w: h.width, h: h.height }, vw: video.videoWidth, vh: video.videoHeight };
  })()`);
  const scale = Math.max(geometry.v.w / geometry.vw, geometry.v.h / geometry.vh);
  const frame = { x: geometry.v.x + (geometry.v.w - geometry.vw * scale) / 2, y: geometry.v.y + (geometry.v.h - geometry.vh * scale) / 2, w: geometry.vw * scale, h: geometry.vh * scale };
  return { hotspot: geometry.h, frame };
}
