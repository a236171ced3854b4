export type Fit = 'pad' | 'crop';

export interface Rung {
  /** Folder and label, e.g. "720p" (the short side, as players label vertical video). */
  name: string;
  width: number;
  height: number;
  /** Video bit-rate cap in bits/s (capped CRF: simple scenes come out well below it). */
  videoBitrate: number;
  audioBitrate: number;
}

/** The 9:16 ladder, top first. */
export const LADDER: readonly Rung[] = [
  { name: '1080p', width: 1080, height: 1920, videoBitrate: 4_500_000, audioBitrate: 128_000 },
  { name: '720p', width: 720, height: 1280, videoBitrate: 2_500_000, audioBitrate: 128_000 },
  { name: '480p', width: 480, height: 854, videoBitrate: 1_100_000, audioBitrate: 96_000 },
];

/** A rung may sit this much above the fitted source: 1078x1916 should still get 1080x1920. */
const UPSCALE_TOLERANCE = 1.01;

/**
 * The rungs a source deserves: those whose height is at most the source's height once fitted
 * into 9:16, so nothing is upscaled; at least the lowest rung.
 */
export function planLadder(display: { width: number; height: number }, fit: Fit): Rung[] {
  const fittedHeight = fittedSourceHeight(display, fit);
  const kept = LADDER.filter((rung) => rung.height <= fittedHeight * UPSCALE_TOLERANCE);
  if (kept.length > 0) return kept.map((rung) => ({ ...rung }));
  const lowest = LADDER[LADDER.length - 1];
  if (!lowest) throw new Error('the ladder is empty');
  return [{ ...lowest }];
}

/**
 * The tallest 9:16 frame the source fills at 1:1 scale. Letterboxing (pad) keeps the whole
 * picture, so the frame grows to hold the longer side; cropping keeps only the part that fits.
 */
export function fittedSourceHeight(display: { width: number; height: number }, fit: Fit): number {
  const { width, height } = display;
  if (width <= 0 || height <= 0) return 0;
  const heightFromWidth = (width * 16) / 9;
  switch (fit) {
    case 'pad':
      return Math.max(height, heightFromWidth);
    case 'crop':
      return Math.min(height, heightFromWidth);
    default: {
      const unreachable: never = fit;
      throw new Error(`unknown fit ${String(unreachable)}`);
    }
  }
}

export { transcodeEpisode } from './transcode.ts';
export type { EncryptionKey, RenditionResult, SpriteResult, TranscodeOptions, TranscodeResult } from './transcode.ts';
