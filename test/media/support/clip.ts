import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpegBinaries, runFfmpeg } from '../../../src/ffmpeg/binaries.ts';

const CACHE_DIR = join(tmpdir(), 'dualstream-test-media');

/**
 * A tiny real clip (6 s, 360x640, H.264 + AAC, a scene change at 3 s), made once with lavfi
 * and cached across test files and runs.
 */
export async function testClip(): Promise<string> {
  const path = join(CACHE_DIR, 'clip-360x640-6s-v1.mp4');
  if (existsSync(path)) return path;
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = `${path}.${process.pid}.part.mp4`;
  await runFfmpeg(
    [
      '-y', '-v', 'error',
      '-f', 'lavfi', '-i', 'testsrc2=size=360x640:rate=30:duration=3',
      '-f', 'lavfi', '-i', 'color=c=0x2040a0:size=360x640:rate=30:duration=3',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]',
      '-map', '[v]', '-map', '2:a',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30',
      '-c:a', 'aac', '-b:a', '64k', '-shortest',
      '-movflags', '+faststart',
      partial,
    ],
    { binaries: resolveFfmpegBinaries(), timeoutMs: 60_000 },
  );
  // Several test files may race to make it; a rename publishes one whole file.
  await rename(partial, path);
  return path;
}

export interface DecodedStream {
  width: number;
  height: number;
  frames: number;
}

/**
 * Decodes every video frame of `input` (a file or an http URL) with ffmpeg and counts them.
 * ffmpeg, not ffprobe: the npm ffprobe build crashes on http input.
 */
export async function decodeVideo(input: string, headers?: string): Promise<DecodedStream> {
  const stderr: string[] = [];
  let frames = 0;
  await runFfmpeg(
    [
      '-v', 'info', '-nostdin',
      ...(headers ? ['-headers', headers] : []),
      '-protocol_whitelist', 'http,tcp,file,crypto',
      '-i', input,
      '-map', '0:v:0', '-f', 'null', '-',
      '-progress', 'pipe:1',
    ],
    {
      binaries: resolveFfmpegBinaries(),
      timeoutMs: 60_000,
      onStderrLine: (line) => stderr.push(line),
      onStdoutLine: (line) => {
        const match = /^frame=(\d+)/.exec(line);
        if (match) frames = Number(match[1]);
      },
    },
  );
  const videoLine = stderr.find((line) => /Stream #0:\d+.*Video:/.test(line)) ?? '';
  const size = /, (\d{2,5})x(\d{2,5})[\s,]/.exec(videoLine);
  if (!size) throw new Error(`no video stream decoded from ${input}`);
  return { width: Number(size[1]), height: Number(size[2]), frames };
}
