import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FfmpegBinaries } from './binaries.ts';
import { runFfmpeg } from './binaries.ts';
import { filterValue, wrapText } from './filter-text.ts';

export interface DemoScene {
  durationMs: number;
  /** "#1f3b5a", "1f3b5a" or a colour name such as "navy". */
  background: string;
  subtitle: string;
}

export interface DemoEpisodeOptions {
  outPath: string;
  width?: number;
  height?: number;
  /** Total length, title card included. */
  durationMs: number;
  seriesTitle: string;
  episodeNumber: number;
  episodeTitle: string;
  /** Scene lengths are weights: they share what the title card leaves. */
  scenes: readonly DemoScene[];
  /** Defaults to a CJK font when one is installed, else a Latin one. */
  fontFile?: string | null;
  /** Defaults to "第N集" with a CJK font, "Episode N" otherwise. */
  episodeLabel?: string;
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
}

const CJK_FONTS = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc',
  '/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/wqy-microhei/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/System/Library/Fonts/PingFang.ttc',
];
const LATIN_FONTS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
  '/System/Library/Fonts/Helvetica.ttc',
];

export function findCjkFont(): string | null {
  return CJK_FONTS.find((path) => existsSync(path)) ?? null;
}

export function findLatinFont(): string | null {
  return LATIN_FONTS.find((path) => existsSync(path)) ?? null;
}

const FPS = 24;
/** Patterns evolve at this rate and each step is held: repeated frames cost the encoder almost nothing. */
const SLOW_FPS = 6;
const SAMPLE_RATE = 48_000;
/** Backgrounds are drawn this many times smaller, then scaled up: soft shapes, cheap to make and to encode. */
const PATTERN_DIVISOR = 16;
const NOTES_HZ = [196, 220, 247, 262, 294, 330, 349, 392];

type Look = 'gradient' | 'life' | 'cellauto' | 'mandelbrot';
const LOOKS: readonly Look[] = ['life', 'mandelbrot', 'cellauto', 'gradient'];

/**
 * Renders a local MP4 that looks like a drama episode: a title card, then scenes with distinct
 * moving backgrounds (so scene detection finds the cuts), burned-in subtitles and a tone bed.
 */
export async function renderDemoEpisode(options: DemoEpisodeOptions): Promise<void> {
  const width = options.width ?? 720;
  const height = options.height ?? 1280;
  if (width % 2 || height % 2 || width < 64 || height < 64) throw new Error('width and height must be even and at least 64');
  if (options.scenes.length === 0) throw new Error('a demo episode needs at least one scene');
  if (!(options.durationMs >= 2000 && options.durationMs <= 600_000)) throw new Error('durationMs must be between 2 s and 10 min');
  const fontFile = options.fontFile === undefined || options.fontFile === null ? (findCjkFont() ?? findLatinFont()) : options.fontFile;
  const cjkFont = fontFile !== null && /cjk|wqy|droidsansfallback|pingfang|han ?sans|source ?han/i.test(fontFile);
  const label = options.episodeLabel ?? (cjkFont ? `第${options.episodeNumber}集` : `Episode ${options.episodeNumber}`);

  const frames = sceneFrames(options.durationMs, options.scenes.map((s) => s.durationMs));
  const workDir = await mkdtemp(join(tmpdir(), 'dualstream-demo-'));
  try {
    const text = new TextFiles(workDir);
    const font = fontFile ? `fontfile=${filterValue(fontFile)}:` : '';
    const draw = async (content: string, size: number, y: string, boxed: boolean): Promise<string> =>
      `drawtext=${font}textfile=${await text.add(content)}:expansion=none:fontsize=${size}:fontcolor=white:` +
      `x=(w-text_w)/2:y=${y}` +
      (boxed ? `:box=1:boxcolor=black@0.45:boxborderw=${Math.round(size / 3)}` : ':shadowcolor=black@0.6:shadowx=2:shadowy=2');

    const chains: string[] = [];
    const titleSize = Math.round(width / 11);
    const titleLines = wrapText(options.seriesTitle, 14);
    const titleDraws: string[] = [];
    for (const [i, line] of titleLines.entries()) {
      titleDraws.push(await draw(line, titleSize, `h*0.36+${Math.round(i * titleSize * 1.3)}`, false));
    }
    const labelY = `h*0.36+${Math.round(titleLines.length * titleSize * 1.3 + titleSize * 0.6)}`;
    titleDraws.push(await draw(label, Math.round(width / 18), labelY, false));
    titleDraws.push(await draw(options.episodeTitle, Math.round(width / 22), `${labelY}+${Math.round(width / 12)}`, false));
    const titleBackground = options.scenes[0]?.background ?? 'black';
    chains.push(`${background('gradient', darker(titleBackground), frames[0] ?? 1, width, height, 0)},${titleDraws.join(',')},format=yuv420p[v0]`);
    chains.push(tone(NOTES_HZ[0] ?? 220, frames[0] ?? 1, 0));

    const subtitleSize = Math.round(width / 19);
    for (const [i, scene] of options.scenes.entries()) {
      const index = i + 1;
      const look = LOOKS[i % LOOKS.length] ?? 'gradient';
      const lines = wrapText(scene.subtitle, Math.floor((width * 0.86) / (subtitleSize * 0.55)));
      const draws: string[] = [];
      for (const [j, line] of lines.entries()) {
        const fromBottom = (lines.length - j) * Math.round(subtitleSize * 1.5) + Math.round(height * 0.1);
        draws.push(await draw(line, subtitleSize, `h-${fromBottom}`, true));
      }
      const sceneFrameCount = frames[index] ?? 1;
      chains.push(`${background(look, colour(scene.background), sceneFrameCount, width, height, index)}${draws.length ? `,${draws.join(',')}` : ''},format=yuv420p[v${index}]`);
      chains.push(tone(NOTES_HZ[index % NOTES_HZ.length] ?? 220, sceneFrameCount, index));
    }
    const parts = frames.map((_, i) => `[v${i}][a${i}]`).join('');
    chains.push(`${parts}concat=n=${frames.length}:v=1:a=1[v][a]`);

    await runFfmpeg(
      [
        '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
        '-filter_complex', chains.join(';'),
        '-map', '[v]', '-map', '[a]',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '28', '-g', String(FPS * 2), '-pix_fmt', 'yuv420p',
        '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart',
        resolve(options.outPath),
      ],
      { cwd: workDir, signal: options.signal, binaries: options.binaries },
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Frame counts: title card first, then scenes by weight; they add up to the whole duration. */
export function sceneFrames(durationMs: number, weights: readonly number[]): number[] {
  const total = Math.max(weights.length + 1, Math.round((durationMs * FPS) / 1000));
  const title = Math.max(1, Math.min(Math.round(3 * FPS), Math.round(total * 0.12)));
  const rest = total - title;
  const weightSum = weights.reduce((sum, w) => sum + Math.max(1, w), 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((rest * Math.max(1, w)) / weightSum)));
  const shortfall = rest - counts.reduce((sum, n) => sum + n, 0);
  counts[counts.length - 1] = (counts[counts.length - 1] ?? 1) + shortfall;
  return [title, ...counts];
}

function background(look: Look, bg: string, frameCount: number, width: number, height: number, seed: number): string {
  const small = `${Math.max(2, Math.round(width / PATTERN_DIVISOR))}x${Math.max(2, Math.round(height / PATTERN_DIVISOR))}`;
  const upscale = `scale=${width}:${height}:flags=bicubic,setsar=1`;
  const trim = `trim=end_frame=${frameCount}`;
  switch (look) {
    case 'gradient':
      // A vertical fade from the colour to dark, breathing slowly.
      return `color=c=${bg}:s=9x16:r=${SLOW_FPS},format=rgb24,geq=r='r(X,Y)*(1.15-Y/18)*(0.85+0.15*sin(T))':g='g(X,Y)*(1.15-Y/18)*(0.85+0.15*sin(T))':b='b(X,Y)*(1.15-Y/18)*(0.85+0.15*sin(T))',fps=${FPS},${trim},${upscale}`;
    case 'life':
      return `life=s=${small}:r=${SLOW_FPS}:seed=${seed}:ratio=0.35:mold=24:life_color=${bg}:death_color=black:mold_color=${darker(bg)},boxblur=1,fps=${FPS},${trim},${upscale}`;
    case 'cellauto':
      return `cellauto=s=${small}:r=${SLOW_FPS}:seed=${seed}:rule=110:ratio=0.5,format=rgb24[ca${seed}];color=c=${bg}:s=${small}:r=${SLOW_FPS},format=rgb24[cc${seed}];[ca${seed}][cc${seed}]blend=all_mode=multiply,boxblur=1,fps=${FPS},${trim},${upscale}`;
    case 'mandelbrot':
      return `mandelbrot=s=${small}:r=${SLOW_FPS}:maxiter=96:start_scale=2.5:end_scale=0.4:end_pts=${Math.ceil((frameCount * SLOW_FPS) / FPS) * 3}[mb${seed}];color=c=${bg}:s=${small}:r=${SLOW_FPS}[mc${seed}];[mb${seed}][mc${seed}]blend=all_mode=screen:all_opacity=0.6,boxblur=1,fps=${FPS},${trim},${upscale}`;
    default: {
      const unreachable: never = look;
      throw new Error(`unknown look ${String(unreachable)}`);
    }
  }
}

function tone(frequency: number, frameCount: number, index: number): string {
  const seconds = (frameCount / FPS).toFixed(6);
  return `sine=f=${frequency}:r=${SAMPLE_RATE}:d=${seconds},volume=0.12,atrim=end_sample=${(frameCount * SAMPLE_RATE) / FPS}[a${index}]`;
}

/** Only colour names or hex: the value lands in a filter graph. */
function colour(value: string): string {
  const hex = /^(?:#|0x)?([0-9a-f]{6})$/i.exec(value.trim());
  if (hex?.[1]) return `0x${hex[1]}`;
  if (/^[a-z]{3,30}$/i.test(value.trim())) return value.trim();
  throw new Error(`background ${JSON.stringify(value)} is not a colour name or #rrggbb`);
}

function darker(value: string): string {
  const c = colour(value);
  if (!c.startsWith('0x')) return c;
  const n = Number.parseInt(c.slice(2), 16);
  const channel = (shift: number): number => Math.round(((n >> shift) & 0xff) * 0.45);
  return `0x${[16, 8, 0].map((s) => channel(s).toString(16).padStart(2, '0')).join('')}`;
}

class TextFiles {
  private count = 0;
  constructor(private readonly dir: string) {}

  /** drawtext reads text from a file: no escaping of what a creator typed. Returns the relative name. */
  async add(content: string): Promise<string> {
    const name = `text${this.count++}.txt`;
    await writeFile(join(this.dir, name), content.replace(/[\r\n]+/g, ' '), 'utf8');
    return name;
  }
}

