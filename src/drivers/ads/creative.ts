import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findLatinFont, runFfmpeg, type FfmpegBinaries } from '../../ffmpeg/index.ts';
import { filterValue } from '../../ffmpeg/filter-text.ts';

const WIDTH = 360;
const HEIGHT = 640;
const FPS = 24;

const inFlight = new Map<string, Promise<string>>();

/**
 * The sandbox's one creative: a 9:16 card that says "Sandbox Ad" and counts down the seconds,
 * rendered once per length into `dir` and kept. Written under a temporary name and renamed, so
 * a concurrent reader (or another process rendering the same file) never sees half a clip.
 */
export function ensureSandboxCreative(dir: string, durationMs: number, binaries?: FfmpegBinaries): Promise<string> {
  const path = join(dir, `creative-${durationMs}ms.mp4`);
  const running = inFlight.get(path);
  if (running) return running;
  const render = (async () => {
    if (await exists(path)) return path;
    await mkdir(dir, { recursive: true });
    const work = await mkdtemp(join(dir, '.render-'));
    try {
      const seconds = (durationMs / 1000).toFixed(3);
      // drawtext reads its text from files: the countdown's expansion needs no filter-graph escaping there.
      await writeFile(join(work, 'title.txt'), 'Sandbox Ad');
      await writeFile(join(work, 'count.txt'), `%{eif:ceil(${seconds}-t):d}`);
      await writeFile(join(work, 'note.txt'), 'Your episode unlocks when it ends');
      const fontFile = findLatinFont();
      const font = fontFile ? `fontfile=${filterValue(fontFile)}:` : '';
      const text = (file: string, size: number, y: string, expansion: 'none' | 'normal') =>
        `drawtext=${font}textfile=${file}:expansion=${expansion}:fontsize=${size}:fontcolor=white:x=(w-text_w)/2:y=${y}`;
      const video =
        `color=c=0x1d2b53:s=${WIDTH}x${HEIGHT}:r=${FPS}:d=${seconds},` +
        `${text('title.txt', 40, 'h*0.3', 'none')},${text('count.txt', 120, 'h*0.45', 'normal')},${text('note.txt', 18, 'h*0.75', 'none')},format=yuv420p[v]`;
      const audio = `sine=f=330:r=48000:d=${seconds},volume=0.08[a]`;
      const out = join(work, 'creative.mp4');
      await runFfmpeg(
        [
          '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
          '-filter_complex', `${video};${audio}`,
          '-map', '[v]', '-map', '[a]',
          '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30', '-g', String(FPS * 2), '-pix_fmt', 'yuv420p',
          '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-t', seconds,
          out,
        ],
        { cwd: work, binaries, timeoutMs: 120_000 },
      );
      await rename(out, path);
      return path;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  })();
  inFlight.set(path, render);
  // A failed render is tried again by the next request, not remembered.
  render.then(
    () => inFlight.delete(path),
    () => inFlight.delete(path),
  );
  return render;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
