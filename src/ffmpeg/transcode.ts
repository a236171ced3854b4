import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FfmpegBinaries } from './binaries.ts';
import { resolveFfmpegBinaries, runFfmpeg } from './binaries.ts';
import { AAC_LC_CODEC, avcHighCodec, h264LevelFor } from './h264.ts';
import type { MasterVariant } from './hls-output.ts';
import { measureRendition, parseSceneCuts, renderSpriteVtt, spriteLayout, writeMasterPlaylist } from './hls-output.ts';
import type { Fit, Rung } from './ladder.ts';
import type { ProbeResult } from './probe.ts';
import { probeUpload } from './probe.ts';
import type { TranscodePlan } from './transcode-args.ts';
import { buildTranscodeArgs, outputFrameRate, rungPlaylist } from './transcode-args.ts';

export interface EncryptionKey {
  /** Written into every media playlist's EXT-X-KEY; the player fetches the key from it. */
  keyUri: string;
  /** 16-byte AES-128 key, 32 hex digits. */
  keyHex: string;
  /** 16-byte IV, 32 hex digits (an optional 0x prefix is accepted). */
  ivHex: string;
}

export interface TranscodeOptions {
  input: string;
  outDir: string;
  fit: Fit;
  rungs: readonly Rung[];
  sourceDurationMs: number;
  /** Encoder and filter threads; 0 or absent lets ffmpeg choose. */
  threads?: number;
  signal?: AbortSignal;
  /** Whole percents, 0 to 100, never decreasing; 100 once the master playlist is written. */
  onProgress?: (percent: number) => void;
  encryption?: EncryptionKey;
  /** The source's probe when the caller has one; otherwise it is probed here (with generous limits). */
  probe?: ProbeResult;
  binaries?: FfmpegBinaries;
}

export interface RenditionResult {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
  frameRate: number;
  /** Relative to outDir, e.g. "720p/index.m3u8". */
  playlist: string;
}

export interface SpriteResult {
  image: string;
  vtt: string;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  intervalMs: number;
}

export interface TranscodeResult {
  renditions: RenditionResult[];
  masterPlaylist: 'master.m3u8';
  poster: 'poster.jpg';
  sprite: SpriteResult;
  sceneCutsMs: number[];
  durationMs: number;
}

const MASTER = 'master.m3u8';
const POSTER = 'poster.jpg';
const SPRITE_IMAGE = 'sprite.jpg';
const SPRITE_VTT = 'sprite.vtt';
const SCENE_SCORES = 'scene-scores.txt';
const SPRITE_TILE = { width: 90, height: 160 };
const SPRITE_INTERVAL_MS = 2000;
const SPRITE_MAX_COLUMNS = 10;
const SCENE_THRESHOLD = 0.3;
const MIN_SCENE_GAP_MS = 500;
const POSTER_RUNG = '720p';
/** Only for a source the caller did not probe; the upload limits were applied at upload time. */
const INTERNAL_PROBE_LIMITS = { maxBytes: Number.MAX_SAFE_INTEGER, maxDurationMs: 24 * 3600_000, maxStreams: 64 };

/**
 * Transcodes a source into the HLS ladder, poster, sprite and scene cuts with one ffmpeg run
 * (one decode feeding every output), then writes the master playlist and the sprite's VTT.
 * master.m3u8 is written last: its presence marks a finished job. On failure outDir may hold
 * partial files.
 */
export async function transcodeEpisode(options: TranscodeOptions): Promise<TranscodeResult> {
  const { outDir, rungs } = options;
  if (rungs.length === 0) throw new Error('transcodeEpisode needs at least one rung');
  for (const rung of rungs) {
    if (!/^[\w-]+$/.test(rung.name)) throw new Error(`rung name ${JSON.stringify(rung.name)} is not a plain folder name`);
  }
  const binaries = options.binaries ?? resolveFfmpegBinaries();
  const probe = options.probe ?? (await probeUpload(options.input, INTERNAL_PROBE_LIMITS, { binaries, signal: options.signal }));
  const durationMs = options.sourceDurationMs > 0 ? options.sourceDurationMs : probe.durationMs;

  await prepareOutDir(outDir, rungs);
  const keyDir = options.encryption ? await writeKeyInfo(options.encryption) : null;
  try {
    const frameRate = outputFrameRate(probe.frameRate);
    const layout = spriteLayout(durationMs, SPRITE_INTERVAL_MS, SPRITE_MAX_COLUMNS);
    const posterIndex = Math.max(0, rungs.findIndex((r) => r.name === POSTER_RUNG));
    const plan: TranscodePlan = {
      input: options.input,
      videoStreamIndex: probe.videoStreamIndex,
      audioStreamIndex: probe.audioStreamIndex,
      display: { width: probe.displayWidth, height: probe.displayHeight },
      fit: options.fit,
      rungs,
      frameRate,
      sourceDurationMs: durationMs,
      threads: options.threads ?? 0,
      keyInfoFile: keyDir ? join(keyDir, 'key-info') : null,
      poster: { rungIndex: posterIndex, atSeconds: Math.min(1, durationMs / 2000), file: POSTER },
      sprite: {
        file: SPRITE_IMAGE,
        tileWidth: SPRITE_TILE.width,
        tileHeight: SPRITE_TILE.height,
        columns: layout.columns,
        rows: layout.rows,
        intervalSeconds: SPRITE_INTERVAL_MS / 1000,
      },
      sceneScoresFile: SCENE_SCORES,
      sceneThreshold: SCENE_THRESHOLD,
    };

    const reportProgress = progressReporter(durationMs, options.onProgress);
    await runFfmpeg(buildTranscodeArgs(plan), {
      cwd: outDir,
      signal: options.signal,
      binaries,
      onStdoutLine: reportProgress,
    });

    const sceneScoresPath = join(outDir, SCENE_SCORES);
    const sceneCutsMs = parseSceneCuts(await readFile(sceneScoresPath, 'utf8').catch(() => ''), MIN_SCENE_GAP_MS);
    await rm(sceneScoresPath, { force: true });

    const renditions: RenditionResult[] = [];
    let outputSeconds = 0;
    for (const rung of rungs) {
      const playlist = rungPlaylist(rung);
      const measure = await measureRendition(outDir, playlist);
      outputSeconds ||= measure.durationSeconds;
      const level = h264LevelFor(rung.width, rung.height, frameRate.value, rung.videoBitrate);
      renditions.push({
        name: rung.name,
        width: rung.width,
        height: rung.height,
        bandwidth: measure.bandwidth,
        averageBandwidth: measure.averageBandwidth,
        codecs: `${avcHighCodec(level)},${AAC_LC_CODEC}`,
        frameRate: frameRate.value,
        playlist,
      });
    }
    const outputDurationMs = Math.round(outputSeconds * 1000) || durationMs;
    await writeFile(
      join(outDir, SPRITE_VTT),
      renderSpriteVtt({ image: SPRITE_IMAGE, tileWidth: SPRITE_TILE.width, tileHeight: SPRITE_TILE.height, columns: layout.columns, intervalMs: SPRITE_INTERVAL_MS, tiles: layout.tiles }, outputDurationMs),
    );
    await writeMasterPlaylist(join(outDir, MASTER), masterOrder(renditions));
    options.onProgress?.(100);
    return {
      renditions,
      masterPlaylist: MASTER,
      poster: POSTER,
      sprite: {
        image: SPRITE_IMAGE,
        vtt: SPRITE_VTT,
        tileWidth: SPRITE_TILE.width,
        tileHeight: SPRITE_TILE.height,
        columns: layout.columns,
        intervalMs: SPRITE_INTERVAL_MS,
      },
      sceneCutsMs: sceneCutsMs.filter((ms) => ms < outputDurationMs),
      durationMs: outputDurationMs,
    };
  } finally {
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  }
}

/**
 * Players start with the first variant listed: 720p starts fast on phones and looks sharp,
 * so it goes first and the rest follow from the top down.
 */
function masterOrder(renditions: readonly RenditionResult[]): MasterVariant[] {
  const first = renditions.find((r) => r.name === POSTER_RUNG);
  const ordered = first ? [first, ...renditions.filter((r) => r !== first)] : [...renditions];
  return ordered.map((r) => ({ ...r }));
}

async function prepareOutDir(outDir: string, rungs: readonly Rung[]): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await Promise.all(
    [MASTER, POSTER, SPRITE_IMAGE, SPRITE_VTT, SCENE_SCORES].map((file) => rm(join(outDir, file), { force: true })),
  );
  for (const rung of rungs) {
    // A retry must not leave segments of an earlier, longer attempt behind.
    await rm(join(outDir, rung.name), { recursive: true, force: true });
    await mkdir(join(outDir, rung.name), { recursive: true });
  }
}

/** The key never touches outDir (which gets published): it lives in a private temp folder. */
async function writeKeyInfo(encryption: EncryptionKey): Promise<string> {
  const keyHex = encryption.keyHex.replace(/^0x/i, '');
  const ivHex = encryption.ivHex.replace(/^0x/i, '');
  if (!/^[0-9a-f]{32}$/i.test(keyHex)) throw new Error('encryption.keyHex must be 32 hex digits (AES-128)');
  if (!/^[0-9a-f]{32}$/i.test(ivHex)) throw new Error('encryption.ivHex must be 32 hex digits');
  if (!encryption.keyUri || /["\r\n]/.test(encryption.keyUri)) throw new Error('encryption.keyUri must be one line without quotes');
  const dir = await mkdtemp(join(tmpdir(), 'dualstream-key-'));
  await chmod(dir, 0o700);
  const keyPath = join(dir, 'key.bin');
  await writeFile(keyPath, Buffer.from(keyHex, 'hex'), { mode: 0o600 });
  await writeFile(join(dir, 'key-info'), `${encryption.keyUri}\n${keyPath}\n${ivHex.toLowerCase()}\n`, { mode: 0o600 });
  return dir;
}

function progressReporter(durationMs: number, onProgress: ((percent: number) => void) | undefined): (line: string) => void {
  let last = -1;
  return (line) => {
    if (!onProgress || !line.startsWith('out_time=')) return;
    const match = /^out_time=(-?\d+):(\d+):([\d.]+)/.exec(line);
    if (!match) return;
    const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
    // 100 is kept for the moment the master playlist exists.
    const percent = Math.max(0, Math.min(99, Math.floor((seconds * 100_000) / Math.max(1, durationMs))));
    if (percent > last) {
      last = percent;
      onProgress(percent);
    }
  };
}
