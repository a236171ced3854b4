/** Tiny generated media for this folder's tests (not used by the app). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpegBinaries, runFfmpeg, runFfprobeJson } from './binaries.ts';
import { record } from './ffprobe-json.ts';

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `dualstream-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface ClipSpec {
  width: number;
  height: number;
  seconds: number;
  fps?: number;
  audio?: boolean;
  faststart?: boolean;
  extraOutputArgs?: string[];
}

const ENCODE = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-threads', '1'];

export async function makeClip(path: string, spec: ClipSpec): Promise<void> {
  const fps = spec.fps ?? 30;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${spec.width}x${spec.height}:r=${fps}:d=${spec.seconds}`];
  if (spec.audio !== false) args.push('-f', 'lavfi', '-i', `sine=f=440:r=48000:d=${spec.seconds}`);
  args.push(...ENCODE);
  if (spec.audio !== false) args.push('-c:a', 'aac', '-b:a', '64k');
  if (spec.faststart) args.push('-movflags', '+faststart');
  args.push(...(spec.extraOutputArgs ?? []), path);
  await runFfmpeg(args);
}

/** Hard cuts between flat colours and a test pattern, at the given times (seconds). */
export async function makeCutsClip(path: string, size: { width: number; height: number }, shotSeconds: readonly number[], audio = true): Promise<void> {
  const colours = ['red', 'white', 'navy', 'yellow', 'black', 'green'];
  const s = `${size.width}x${size.height}`;
  const sources = shotSeconds.map((d, i) =>
    i === 2 ? `testsrc2=s=${s}:r=30:d=${d}[v${i}]` : `color=c=${colours[i % colours.length] ?? 'gray'}:s=${s}:r=30:d=${d}[v${i}]`,
  );
  const total = shotSeconds.reduce((a, b) => a + b, 0);
  const graph = `${sources.join(';')};${shotSeconds.map((_, i) => `[v${i}]`).join('')}concat=n=${shotSeconds.length}:v=1:a=0,format=yuv420p[v]`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=f=330:r=48000:d=${total}`);
  args.push('-map', '[v]');
  if (audio) args.push('-map', '0:a', '-c:a', 'aac', '-b:a', '64k');
  args.push(...ENCODE, path);
  await runFfmpeg(args);
}

export interface StreamFacts {
  codecType: string;
  codecName: string;
  width: number;
  height: number;
}

/**
 * The npm ffprobe (a static build) segfaults on every MPEG-TS input on this kind of machine, so
 * HLS outputs are first remuxed to MP4 by ffmpeg (stream copy, timestamps kept) and probed there.
 */
async function probeable(path: string): Promise<{ path: string; done: () => Promise<void> }> {
  if (!/\.(ts|m3u8)$/.test(path)) return { path, done: async () => {} };
  const { dir, cleanup } = await makeTempDir('remux');
  const mp4 = join(dir, 'remuxed.mp4');
  await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-i', path, '-map', '0', '-c', 'copy', '-f', 'mp4', mp4]);
  return { path: mp4, done: cleanup };
}

/** Probe for assertions on our own (trusted) outputs. */
export async function probeStreams(path: string): Promise<StreamFacts[]> {
  const target = await probeable(path);
  const raw = await runFfprobeJson(['-v', 'error', '-show_streams', target.path]).finally(target.done);
  const streams = record(raw)?.streams;
  if (!Array.isArray(streams)) return [];
  return streams.map((s) => {
    const r = record(s) ?? {};
    return {
      codecType: typeof r.codec_type === 'string' ? r.codec_type : '',
      codecName: typeof r.codec_name === 'string' ? r.codec_name : '',
      width: typeof r.width === 'number' ? r.width : 0,
      height: typeof r.height === 'number' ? r.height : 0,
    };
  });
}

/** Decodes every stream to the end; true when ffmpeg reports no error at all. */
export async function decodesCleanly(path: string): Promise<boolean> {
  try {
    const { stderr } = await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-xerror', '-i', path, '-map', '0', '-f', 'null', '-']);
    return stderr.trim() === '';
  } catch {
    return false;
  }
}

export interface PacketFacts {
  ptsTime: number;
  key: boolean;
}

export async function videoPackets(path: string): Promise<PacketFacts[]> {
  const target = await probeable(path);
  const raw = await runFfprobeJson(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', target.path]).finally(
    target.done,
  );
  const packets = record(raw)?.packets;
  if (!Array.isArray(packets)) return [];
  return packets
    .map((p) => record(p) ?? {})
    .map((p) => ({ ptsTime: Number(p.pts_time), key: typeof p.flags === 'string' && p.flags.includes('K') }))
    .filter((p) => Number.isFinite(p.ptsTime))
    .sort((a, b) => a.ptsTime - b.ptsTime);
}

/** One decoded frame (by index, counted from the first) as 8-bit luma rows, for looking at the picture. */
export async function lumaFrame(path: string, frameIndex: number, size: { width: number; height: number }): Promise<Buffer> {
  const binaries = resolveFfmpegBinaries();
  const { spawn } = await import('node:child_process');
  const frame = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn(binaries.ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-i', path, '-vf', `select=gte(n\\,${frameIndex})`,
      '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${size.width}x${size.height}`, 'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exited ${String(code)}`))));
  });
  if (frame.length !== size.width * size.height) throw new Error(`expected a ${size.width}x${size.height} frame, got ${frame.length} bytes`);
  return frame;
}
