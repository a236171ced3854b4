/** Ranges snap to scene cuts (and the episode's ends) closer than this. */
export const SNAP_MS = 300;

export interface Snapped {
  ms: number;
  /** The cut it snapped to, or null when it stayed where the pointer was. */
  cut: number | null;
}

export function snapMs(ms: number, cuts: readonly number[], durationMs: number, tolerance = SNAP_MS): Snapped {
  const clamped = Math.min(durationMs, Math.max(0, Math.round(ms)));
  let best: number | null = null;
  for (const cut of [0, ...cuts, durationMs]) {
    const distance = Math.abs(cut - clamped);
    if (distance <= tolerance && (best === null || distance < Math.abs(best - clamped))) best = cut;
  }
  return best === null ? { ms: clamped, cut: null } : { ms: best, cut: best };
}

/** 4250 → "0:04.250". */
export function formatMs(ms: number): string {
  const safe = Math.max(0, Math.round(ms));
  const minutes = Math.floor(safe / 60_000);
  const seconds = Math.floor((safe % 60_000) / 1000);
  return `${minutes}:${String(seconds).padStart(2, '0')}.${String(safe % 1000).padStart(3, '0')}`;
}

/** "4.25" (seconds) → 4250; null when it is not a number of seconds. */
export function secondsToMs(text: string): number | null {
  const match = /^(\d+)(?:[.,](\d{0,3}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1] ?? '0') * 1000 + Number((match[2] ?? '').padEnd(3, '0'));
}

export function msToSeconds(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Rounds a box's fractions to 4 places and keeps it inside the frame. */
export function tidyBox(x0: number, y0: number, x1: number, y1: number): { x: number; y: number; w: number; h: number } {
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  const r = (v: number): number => Math.round(v * 10_000) / 10_000;
  const left = r(clamp(Math.min(x0, x1)));
  const top = r(clamp(Math.min(y0, y1)));
  const w = r(Math.min(1 - left, clamp(Math.max(x0, x1)) - left));
  const h = r(Math.min(1 - top, clamp(Math.max(y0, y1)) - top));
  return { x: left, y: top, w, h };
}
