import { safeInputArgs } from './container.ts';
import { h264LevelFor } from './h264.ts';
import type { Fit, Rung } from './ladder.ts';

/** Everything one ffmpeg run needs; all output paths are relative to the run's working directory. */
export interface TranscodePlan {
  input: string;
  videoStreamIndex: number | null;
  audioStreamIndex: number | null;
  display: { width: number; height: number };
  fit: Fit;
  rungs: readonly Rung[];
  frameRate: OutputFrameRate;
  sourceDurationMs: number;
  threads: number;
  keyInfoFile: string | null;
  poster: { rungIndex: number; atSeconds: number; file: string };
  sprite: { file: string; tileWidth: number; tileHeight: number; columns: number; rows: number; intervalSeconds: number };
  sceneScoresFile: string;
  sceneThreshold: number;
}

export interface OutputFrameRate {
  /** As the fps filter takes it: "30", "30000/1001". */
  expr: string;
  value: number;
}

export const SEGMENT_SECONDS = 4;
export const GOP_SECONDS = 2;
const MAX_FRAME_RATE = 30;

export function rungPlaylist(rung: Rung): string {
  return `${rung.name}/index.m3u8`;
}

export function rungSegmentPattern(rung: Rung): string {
  return `${rung.name}/seg_%03d.ts`;
}

/** Keeps the source rate up to 30 fps (halving 50/60/120), snapped to the usual rates. */
export function outputFrameRate(sourceFps: number): OutputFrameRate {
  let fps = sourceFps > 0 && Number.isFinite(sourceFps) ? sourceFps : MAX_FRAME_RATE;
  while (fps > MAX_FRAME_RATE + 0.5) fps /= 2;
  for (const [num, den] of [[30000, 1001], [24000, 1001]] as const) {
    if (Math.abs(fps - num / den) < 0.01) return { expr: `${num}/${den}`, value: num / den };
  }
  // Variable-rate phone clips average 29.8x: a GOP of whole frames needs the nominal rate.
  if (Math.abs(fps - Math.round(fps)) < 0.25) return { expr: String(Math.round(fps)), value: Math.round(fps) };
  const rounded = Math.max(1, Math.round(fps * 1000) / 1000);
  return { expr: String(rounded), value: rounded };
}

export function gopFrames(frameRate: OutputFrameRate): number {
  return Math.max(1, Math.round(GOP_SECONDS * frameRate.value));
}

/** Size of the scaled picture inside a W×H frame before padding or cropping (even sides). */
export function scaledSize(source: { width: number; height: number }, rung: { width: number; height: number }, fit: Fit): { width: number; height: number } {
  const widthScale = rung.width / source.width;
  const heightScale = rung.height / source.height;
  switch (fit) {
    case 'pad': {
      const scale = Math.min(widthScale, heightScale);
      return { width: Math.min(rung.width, even(source.width * scale)), height: Math.min(rung.height, even(source.height * scale)) };
    }
    case 'crop': {
      const scale = Math.max(widthScale, heightScale);
      return { width: Math.max(rung.width, even(source.width * scale)), height: Math.max(rung.height, even(source.height * scale)) };
    }
    default: {
      const unreachable: never = fit;
      throw new Error(`unknown fit ${String(unreachable)}`);
    }
  }
}

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

export function buildFilterGraph(plan: TranscodePlan): string {
  const { rungs, fit, display, poster, sprite } = plan;
  const chains: string[] = [];
  const n = rungs.length;
  const videoIn = plan.videoStreamIndex === null ? '0:v:0' : `0:${plan.videoStreamIndex}`;
  chains.push(`[${videoIn}]fps=${plan.frameRate.expr},split=${n}${rungs.map((_, i) => `[src${i}]`).join('')}`);
  const lowest = n - 1;
  rungs.forEach((rung, i) => {
    const scaled = scaledSize(display, rung, fit);
    const scale = `scale=${scaled.width}:${scaled.height}:flags=bicubic`;
    const frame =
      fit === 'pad'
        ? `pad=${rung.width}:${rung.height}:(ow-iw)/2:(oh-ih)/2:color=black`
        : `crop=${rung.width}:${rung.height}:(iw-ow)/2:(ih-oh)/2`;
    const tail = `setsar=1,format=yuv420p`;
    // Branches hang off rungs that are computed anyway, so they cost no extra scaling of the source.
    const extras: string[] = [];
    if (i === poster.rungIndex) extras.push('poster');
    if (i === lowest) extras.push('sprite');
    if (i === lowest) {
      // Scene scores come from the picture before letterboxing: black bars would dilute them.
      chains.push(`[src${i}]${scale},split=2[fit${i}][scene]`);
      chains.push(`[fit${i}]${frame},${tail}${splitTo(`out${i}`, extras)}`);
    } else {
      chains.push(`[src${i}]${scale},${frame},${tail}${splitTo(`out${i}`, extras)}`);
    }
  });
  const lowestScaled = scaledSize(display, rungs[lowest] ?? display, fit);
  // Half size is plenty to tell shots apart; select's scene score wants rgb24.
  const sceneSize = { width: even(lowestScaled.width / 2), height: even(lowestScaled.height / 2) };
  chains.push(
    `[scene]scale=${sceneSize.width}:${sceneSize.height}:flags=fast_bilinear,format=rgb24,` +
      `select='eq(n\\,0)+gt(scene\\,${plan.sceneThreshold})',metadata=print:file=${plan.sceneScoresFile}[scenes]`,
  );
  chains.push(`[poster]select='gte(t-start_t\\,${poster.atSeconds})',trim=end_frame=1,format=yuvj420p[posterout]`);
  chains.push(
    `[sprite]select='gte(t-start_t\\,selected_n*${sprite.intervalSeconds})',` +
      `scale=${sprite.tileWidth}:${sprite.tileHeight}:flags=bicubic,tile=${sprite.columns}x${sprite.rows},format=yuvj420p[spriteout]`,
  );
  if (plan.audioStreamIndex === null) {
    const seconds = (plan.sourceDurationMs / 1000).toFixed(3);
    chains.push(`anullsrc=r=48000:cl=stereo,atrim=duration=${seconds},asplit=${n}${rungs.map((_, i) => `[aud${i}]`).join('')}`);
  }
  return chains.join(';');
}

function splitTo(main: string, extras: readonly string[]): string {
  return extras.length === 0 ? `[${main}]` : `,split=${extras.length + 1}[${main}]${extras.map((e) => `[${e}]`).join('')}`;
}

export function buildTranscodeArgs(plan: TranscodePlan): string[] {
  const gop = String(gopFrames(plan.frameRate));
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];
  if (plan.threads > 0) args.push('-filter_complex_threads', String(plan.threads));
  args.push(...safeInputArgs(plan.input));
  args.push('-filter_complex', buildFilterGraph(plan));
  plan.rungs.forEach((rung, i) => {
    const level = h264LevelFor(rung.width, rung.height, plan.frameRate.value, rung.videoBitrate);
    args.push('-map', `[out${i}]`, '-map', plan.audioStreamIndex === null ? `[aud${i}]` : `0:${plan.audioStreamIndex}`);
    args.push(
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-level:v', level.name,
      '-crf', '23', '-maxrate', String(rung.videoBitrate), '-bufsize', String(rung.videoBitrate * 2),
      '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
      '-force_key_frames', `expr:gte(t,n_forced*${GOP_SECONDS})`,
    );
    if (plan.threads > 0) args.push('-threads', String(plan.threads));
    args.push('-c:a', 'aac', '-b:a', String(rung.audioBitrate), '-ac', '2', '-ar', '48000');
    args.push('-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '4096');
    args.push(
      '-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_playlist_type', 'vod', '-hls_list_size', '0',
      '-hls_flags', 'independent_segments', '-hls_segment_type', 'mpegts', '-hls_segment_filename', rungSegmentPattern(rung),
    );
    if (plan.keyInfoFile) args.push('-hls_key_info_file', plan.keyInfoFile);
    args.push(rungPlaylist(rung));
  });
  args.push('-map', '[posterout]', '-frames:v', '1', '-q:v', '3', '-map_metadata', '-1', '-f', 'image2', '-update', '1', plan.poster.file);
  args.push('-map', '[spriteout]', '-frames:v', '1', '-q:v', '5', '-map_metadata', '-1', '-f', 'image2', '-update', '1', plan.sprite.file);
  args.push('-map', '[scenes]', '-f', 'null', '-');
  return args;
}
