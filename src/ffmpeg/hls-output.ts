import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

export interface MediaSegment {
  uri: string;
  durationSeconds: number;
}

/** Reads the segments of a VOD media playlist (EXTINF + URI pairs). */
export function parseMediaPlaylist(content: string): MediaSegment[] {
  const segments: MediaSegment[] = [];
  let pendingDuration: number | null = null;
  for (const rawLine of content.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('#EXTINF:')) {
      pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line && !line.startsWith('#') && pendingDuration !== null) {
      segments.push({ uri: line, durationSeconds: pendingDuration });
      pendingDuration = null;
    }
  }
  return segments;
}

export interface RenditionMeasure {
  /** Peak segment bit rate, bits/s (BANDWIDTH). */
  bandwidth: number;
  /** Whole-rendition bit rate, bits/s (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  durationSeconds: number;
  segments: MediaSegment[];
}

/**
 * Measures a rendition from its real segment files. The last segment is left out of the peak
 * when it is much shorter than the others: a half-second tail holding one key frame would
 * otherwise report a peak no viewer ever sustains.
 */
export async function measureRendition(outDir: string, playlist: string): Promise<RenditionMeasure> {
  const playlistPath = join(outDir, playlist);
  const segments = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
  if (segments.length === 0) throw new Error(`${playlist} lists no segments`);
  const folder = dirname(playlistPath);
  const sizes = await Promise.all(segments.map(async (segment) => (await stat(join(folder, segment.uri))).size));
  const longest = Math.max(...segments.map((s) => s.durationSeconds));
  let peak = 0;
  let totalBytes = 0;
  let totalSeconds = 0;
  segments.forEach((segment, i) => {
    const bytes = sizes[i] ?? 0;
    totalBytes += bytes;
    totalSeconds += segment.durationSeconds;
    const isShortTail = i === segments.length - 1 && segments.length > 1 && segment.durationSeconds < longest / 2;
    if (!isShortTail && segment.durationSeconds > 0) peak = Math.max(peak, (bytes * 8) / segment.durationSeconds);
  });
  const average = totalSeconds > 0 ? (totalBytes * 8) / totalSeconds : 0;
  return {
    bandwidth: Math.ceil(Math.max(peak, average)),
    averageBandwidth: Math.ceil(average),
    durationSeconds: totalSeconds,
    segments,
  };
}

export interface MasterVariant {
  playlist: string;
  bandwidth: number;
  averageBandwidth: number;
  width: number;
  height: number;
  codecs: string;
  frameRate: number;
}

export function renderMasterPlaylist(variants: readonly MasterVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},AVERAGE-BANDWIDTH=${v.averageBandwidth},` +
        `RESOLUTION=${v.width}x${v.height},CODECS="${v.codecs}",FRAME-RATE=${v.frameRate.toFixed(3)}`,
      posix.normalize(v.playlist),
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function writeMasterPlaylist(path: string, variants: readonly MasterVariant[]): Promise<void> {
  await writeFile(path, renderMasterPlaylist(variants));
}

export interface SpriteLayout {
  image: string;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  intervalMs: number;
  tiles: number;
}

export function spriteLayout(durationMs: number, intervalMs: number, maxColumns: number): { tiles: number; columns: number; rows: number } {
  const tiles = Math.max(1, Math.ceil(durationMs / intervalMs));
  const columns = Math.min(tiles, maxColumns);
  return { tiles, columns, rows: Math.ceil(tiles / columns) };
}

/** WebVTT thumbnails: one cue per tile, pointing into the sprite with a media fragment. */
export function renderSpriteVtt(layout: SpriteLayout, durationMs: number): string {
  const cues = ['WEBVTT', ''];
  for (let i = 0; i < layout.tiles; i++) {
    const start = i * layout.intervalMs;
    const end = Math.min((i + 1) * layout.intervalMs, Math.max(durationMs, start + 1));
    const x = (i % layout.columns) * layout.tileWidth;
    const y = Math.floor(i / layout.columns) * layout.tileHeight;
    cues.push(`${vttTime(start)} --> ${vttTime(end)}`, `${layout.image}#xywh=${x},${y},${layout.tileWidth},${layout.tileHeight}`, '');
  }
  return cues.join('\n');
}

function vttTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}.${pad(millis, 3)}`;
}

/** Reads `metadata=print` output: the first entry is the first frame, the rest are cuts. */
export function parseSceneCuts(content: string, minGapMs: number): number[] {
  const times: number[] = [];
  for (const match of content.matchAll(/pts_time:(-?[\d.]+)/g)) {
    const t = Number.parseFloat(match[1] ?? '');
    if (Number.isFinite(t)) times.push(t);
  }
  const [first, ...rest] = times;
  if (first === undefined) return [];
  const cuts: number[] = [];
  for (const t of rest) {
    const ms = Math.round((t - first) * 1000);
    // A flash or a fade scores twice in a row; one cut per shot change is what placements want.
    const previous = cuts[cuts.length - 1];
    if (ms > 0 && (previous === undefined || ms - previous >= minGapMs)) cuts.push(ms);
  }
  return cuts;
}
