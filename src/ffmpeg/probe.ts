import { stat } from 'node:fs/promises';
import type { FfmpegBinaries } from './binaries.ts';
import { FfmpegError, FfmpegTimeoutError, runFfprobeJson } from './binaries.ts';
import { findStructuralProblem, isAllowedFormatName, safeInputArgs, sniffContainer } from './container.ts';
import { MediaRejectedError } from './errors.ts';
import type { ProbeStream } from './ffprobe-json.ts';
import { finiteNumber, parseProbeDocument, record } from './ffprobe-json.ts';

export { MediaRejectedError } from './errors.ts';
export type { MediaRejectionReason } from './errors.ts';

export interface ProbeLimits {
  maxBytes: number;
  maxDurationMs: number;
  /** Default 8: a phone clip has 2 to 4 (video, audio, metadata, timecode). */
  maxStreams?: number;
  /** Wall-clock budget for all ffprobe runs together. Default 20 s. */
  timeoutMs?: number;
}

export interface ProbeOptions {
  binaries?: FfmpegBinaries;
  signal?: AbortSignal;
}

export type Rotation = 0 | 90 | 180 | 270;

export interface ProbeResult {
  /** ffprobe's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm". */
  formatName: string;
  durationMs: number;
  /** Coded size of the video stream. */
  width: number;
  height: number;
  /** Clockwise rotation a player applies to show the video upright. */
  rotation: Rotation;
  /** Size as shown, after rotation. */
  displayWidth: number;
  displayHeight: number;
  videoCodec: string;
  /** Frames per second of the video stream (0 when the container does not say). */
  frameRate: number;
  hasAudio: boolean;
  audioCodec: string | null;
  sizeBytes: number;
  /** Absolute stream indices, for `-map 0:<index>` (cover art is not the video stream). */
  videoStreamIndex: number;
  audioStreamIndex: number | null;
}

const DEFAULT_MAX_STREAMS = 8;
const DEFAULT_TIMEOUT_MS = 20_000;
const MAX_DIMENSION = 8192;
const ACCEPTED_VIDEO_CODECS: ReadonlySet<string> = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4', 'prores', 'mjpeg']);

/**
 * Probes an untrusted upload. Every way it can be unfit ends in a MediaRejectedError;
 * anything else thrown is our own failure (missing ffprobe, abort).
 */
export async function probeUpload(path: string, limits: ProbeLimits, options: ProbeOptions = {}): Promise<ProbeResult> {
  const deadline = Date.now() + (limits.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new MediaRejectedError('not_video', 'The upload is not a readable file.');
  const sizeBytes = info.size;
  if (sizeBytes === 0) throw new MediaRejectedError('not_video', 'The file is empty.');
  if (sizeBytes > limits.maxBytes) {
    throw new MediaRejectedError('too_large', `The file is ${formatBytes(sizeBytes)}; the limit is ${formatBytes(limits.maxBytes)}.`);
  }

  const family = await sniffContainer(path);
  if (!family) throw new MediaRejectedError('not_video', 'This is not a video file: upload an MP4, MOV, MKV or WebM video.');
  const structuralProblem = await findStructuralProblem(path, family, sizeBytes);
  if (structuralProblem) throw new MediaRejectedError('corrupt', `The video file is damaged or incomplete: ${structuralProblem}.`);

  const raw = await probeJson(['-v', 'error', '-show_format', '-show_streams', ...safeInputArgs(path)], deadline, options);
  const document = parseProbeDocument(raw);
  if (!document) throw new MediaRejectedError('corrupt', 'The video file could not be read.');
  const { format, streams } = document;
  if (!isAllowedFormatName(format.formatName)) {
    throw new MediaRejectedError('format', `The container "${format.formatName}" is not accepted: upload MP4, MOV, MKV or WebM.`);
  }
  const maxStreams = limits.maxStreams ?? DEFAULT_MAX_STREAMS;
  if (format.streamCount > maxStreams) {
    throw new MediaRejectedError('too_many_streams', `The file has ${format.streamCount} streams; at most ${maxStreams} are accepted.`);
  }

  const video = streams.find((s) => s.codecType === 'video' && !s.attachedPicture);
  if (!video) throw new MediaRejectedError('no_video_stream', 'The file has no video track.');
  if (!ACCEPTED_VIDEO_CODECS.has(video.codecName)) {
    throw new MediaRejectedError('format', `The video codec "${video.codecName || 'unknown'}" is not supported.`);
  }
  if (video.width <= 0 || video.height <= 0) throw new MediaRejectedError('corrupt', 'The video track has no picture size.');
  if (video.width > MAX_DIMENSION || video.height > MAX_DIMENSION) {
    throw new MediaRejectedError('format', `The video is ${video.width}x${video.height}; at most ${MAX_DIMENSION} pixels per side are accepted.`);
  }
  const audio = streams.find((s) => s.codecType === 'audio');

  const durationSeconds = format.durationSeconds ?? video.durationSeconds ?? (await scanDuration(path, deadline, options));
  if (durationSeconds === null || durationSeconds <= 0) throw new MediaRejectedError('corrupt', 'The video has no duration.');
  const durationMs = Math.round(durationSeconds * 1000);
  if (durationMs > limits.maxDurationMs) {
    throw new MediaRejectedError('too_long', `The video lasts ${formatDuration(durationMs)}; the limit is ${formatDuration(limits.maxDurationMs)}.`);
  }

  await ensureFirstFrameDecodes(path, deadline, options);

  const rotation = rotationOf(video);
  const quarterTurn = rotation === 90 || rotation === 270;
  return {
    formatName: format.formatName,
    durationMs,
    width: video.width,
    height: video.height,
    rotation,
    displayWidth: quarterTurn ? video.height : video.width,
    displayHeight: quarterTurn ? video.width : video.height,
    videoCodec: video.codecName,
    frameRate: frameRateOf(video),
    hasAudio: audio !== undefined,
    audioCodec: audio?.codecName || null,
    sizeBytes,
    videoStreamIndex: video.index,
    audioStreamIndex: audio?.index ?? null,
  };
}

async function probeJson(args: string[], deadline: number, options: ProbeOptions): Promise<unknown> {
  const timeoutMs = deadline - Date.now();
  if (timeoutMs <= 0) throw timeoutRejection();
  try {
    return await runFfprobeJson(args, { timeoutMs, signal: options.signal, binaries: options.binaries });
  } catch (error) {
    if (error instanceof FfmpegTimeoutError) throw timeoutRejection();
    if (error instanceof FfmpegError) {
      if (/not on whitelist/i.test(error.stderrTail)) {
        throw new MediaRejectedError('format', 'The file format is not accepted: upload MP4, MOV, MKV or WebM.');
      }
      throw new MediaRejectedError('corrupt', `The video file could not be read (${lastLine(error.stderrTail)}).`);
    }
    throw error;
  }
}

/** Recorders that stream (MediaRecorder WebM) leave the duration out; read packet times instead. */
async function scanDuration(path: string, deadline: number, options: ProbeOptions): Promise<number | null> {
  const raw = await probeJson(
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time', ...safeInputArgs(path)],
    deadline,
    options,
  );
  const packets = record(raw)?.packets;
  if (!Array.isArray(packets)) return null;
  let end = 0;
  for (const packet of packets) {
    const fields = record(packet);
    const pts = finiteNumber(fields?.pts_time);
    if (pts !== null) end = Math.max(end, pts + (finiteNumber(fields?.duration_time) ?? 0));
  }
  return end > 0 ? end : null;
}

async function ensureFirstFrameDecodes(path: string, deadline: number, options: ProbeOptions): Promise<void> {
  const raw = await probeJson(
    // A few packets, not one: an open-GOP start may need more than one before a picture comes out.
    ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#5', '-show_entries', 'frame=width,height', ...safeInputArgs(path)],
    deadline,
    options,
  );
  const frames = record(raw)?.frames;
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new MediaRejectedError('corrupt', 'The video track has no decodable picture.');
  }
}

function rotationOf(video: ProbeStream): Rotation {
  // The display matrix angle is counterclockwise; the legacy `rotate` tag is clockwise.
  const clockwise = video.displayMatrixRotation !== null ? -video.displayMatrixRotation : (video.rotationTag ?? 0);
  const quarter = (((Math.round(clockwise / 90) % 4) + 4) % 4) as 0 | 1 | 2 | 3;
  const rotations = [0, 90, 180, 270] as const;
  return rotations[quarter];
}

function frameRateOf(video: ProbeStream): number {
  const sane = (fps: number): boolean => fps > 0 && fps <= 240;
  // Phones write variable rates: avg is the truth there, r is the nominal rate.
  if (sane(video.avgFrameRate)) return round3(video.avgFrameRate);
  if (sane(video.rFrameRate)) return round3(video.rFrameRate);
  return 0;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function timeoutRejection(): MediaRejectedError {
  return new MediaRejectedError('timeout', 'Reading the video took too long.');
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter(Boolean);
  // Neither the server's path nor ffmpeg's context pointers belong in a message for the uploader.
  return (lines[lines.length - 1] ?? 'unknown error')
    .replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/i, '')
    .replace(/^file:.*?:\s+(?=[A-Z])/, '')
    .slice(0, 200);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return minutes > 0 ? `${minutes} min ${seconds} s` : `${seconds} s`;
}
