/** Sprite thumbnails described by WebVTT cues ("sprite.jpg#xywh=x,y,w,h"), used while scrubbing. */

export interface ThumbnailCue {
  startSec: number;
  endSec: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function parseTimestamp(text: string): number | null {
  const match = /^(?:(\d+):)?(\d{2}):(\d{2})[.,](\d{3})$/.exec(text.trim());
  if (!match) return null;
  const [, hours, minutes, seconds, millis] = match;
  return Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds) + Number(millis) / 1000;
}

export function parseThumbnailVtt(text: string, baseUrl: string): ThumbnailCue[] {
  const cues: ThumbnailCue[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    const timingIndex = lines.findIndex((line) => line.includes('-->'));
    if (timingIndex < 0) continue;
    const [from, to] = (lines[timingIndex] as string).split('-->');
    const target = lines[timingIndex + 1];
    const startSec = parseTimestamp(from ?? '');
    const endSec = parseTimestamp((to ?? '').trim().split(/\s+/)[0] ?? '');
    if (startSec === null || endSec === null || !target) continue;
    const [path, fragment] = target.trim().split('#xywh=');
    const box = (fragment ?? '').split(',').map(Number);
    const url = new URL(path ?? '', baseUrl).toString();
    if (box.length === 4 && box.every((n) => Number.isFinite(n))) {
      const [x, y, w, h] = box as [number, number, number, number];
      cues.push({ startSec, endSec, url, x, y, w, h });
    }
  }
  return cues;
}

export function cueAt(cues: ThumbnailCue[], sec: number): ThumbnailCue | null {
  // Cues are in time order and short lists (one per few seconds): a scan is plenty.
  for (const cue of cues) if (sec >= cue.startSec && sec < cue.endSec) return cue;
  return cues.at(-1) ?? null;
}

const cache = new Map<string, Promise<ThumbnailCue[]>>();

export function loadThumbnails(vttUrl: string): Promise<ThumbnailCue[]> {
  const absolute = new URL(vttUrl, window.location.href).toString();
  let pending = cache.get(absolute);
  if (!pending) {
    pending = fetch(absolute, { credentials: 'same-origin' })
      .then((response) => (response.ok ? response.text() : ''))
      .then((text) => parseThumbnailVtt(text, absolute))
      .catch(() => []);
    cache.set(absolute, pending);
  }
  return pending;
}
