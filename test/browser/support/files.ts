import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpegBinaries, runFfmpeg } from '../../../src/ffmpeg/binaries.ts';

const DIR = join(tmpdir(), 'ds-browser-files');

async function cached(name: string, make: (path: string) => Promise<void>): Promise<string> {
  await mkdir(DIR, { recursive: true });
  const path = join(DIR, name);
  if (!(await stat(path).then((s) => s.size > 0, () => false))) await make(path);
  return path;
}

/**
 * A clip just over one 8 MiB tus chunk (lossless, all key frames) yet cheap to transcode
 * (360×640, 12 s), so an upload takes two PATCH requests.
 */
export function twoChunkClip(): Promise<string> {
  return cached('two-chunks.mp4', async (path) => {
    await runFfmpeg(
      ['-y', '-f', 'lavfi', '-i', 'testsrc2=s=360x640:r=30', '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=44100', '-t', '12',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '1', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path],
      { binaries: resolveFfmpegBinaries() },
    );
  });
}

export function coverImage(): Promise<string> {
  return cached('cover.png', async (path) => {
    await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc2=s=300x400', '-frames:v', '1', path], { binaries: resolveFfmpegBinaries() });
  });
}
