import { execFileSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError, runFfmpeg } from './binaries.ts';
import { parseMediaPlaylist } from './hls-output.ts';
import type { Rung } from './ladder.ts';
import { planLadder, transcodeEpisode } from './ladder.ts';
import type { ProbeResult } from './probe.ts';
import { probeUpload } from './probe.ts';
import { decodesCleanly, lumaFrame, makeClip, makeCutsClip, makeTempDir, probeStreams, videoPackets } from './test-clips.ts';

const LIMITS = { maxBytes: 100 * 1024 * 1024, maxDurationMs: 120_000 };
const SMALL_RUNGS: Rung[] = [
  { name: '360p', width: 360, height: 640, videoBitrate: 600_000, audioBitrate: 64_000 },
  { name: '180p', width: 180, height: 320, videoBitrate: 200_000, audioBitrate: 64_000 },
];
const SHOTS = [1.5, 2, 1.7, 1.8];

let dir = '';
let cleanup: () => Promise<void> = async () => {};
let vertical = '';
let landscape = '';
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('transcode'));
  vertical = join(dir, 'vertical-cuts.mp4');
  landscape = join(dir, 'landscape.mp4');
  await makeCutsClip(vertical, { width: 360, height: 640 }, SHOTS);
  await makeClip(landscape, { width: 320, height: 180, seconds: 4, audio: false });
});
afterAll(() => cleanup());

function masterVariants(master: string): { attributes: string; uri: string }[] {
  const lines = master.split('\n');
  const variants: { attributes: string; uri: string }[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith('#EXT-X-STREAM-INF:')) variants.push({ attributes: line, uri: lines[i + 1] ?? '' });
  });
  return variants;
}

describe('transcodeEpisode on a 9:16 clip with hard cuts', () => {
  let out = '';
  let probe: ProbeResult;
  let result: Awaited<ReturnType<typeof transcodeEpisode>>;
  const progress: number[] = [];

  beforeAll(async () => {
    out = join(dir, 'vertical-out');
    probe = await probeUpload(vertical, LIMITS);
    result = await transcodeEpisode({
      input: vertical,
      outDir: out,
      fit: 'pad',
      rungs: planLadder({ width: probe.displayWidth, height: probe.displayHeight }, 'pad'),
      sourceDurationMs: probe.durationMs,
      threads: 2,
      onProgress: (p) => progress.push(p),
    });
  });

  it('writes a master playlist whose variants match the renditions', async () => {
    expect(result.masterPlaylist).toBe('master.m3u8');
    expect(result.renditions.map((r) => [r.name, r.width, r.height, r.playlist])).toEqual([['480p', 480, 854, '480p/index.m3u8']]);
    const variants = masterVariants(await readFile(join(out, 'master.m3u8'), 'utf8'));
    expect(variants).toHaveLength(1);
    const [variant] = variants;
    const rendition = result.renditions[0]!;
    expect(variant!.uri).toBe('480p/index.m3u8');
    expect(variant!.attributes).toContain(`BANDWIDTH=${rendition.bandwidth},AVERAGE-BANDWIDTH=${rendition.averageBandwidth},`);
    expect(variant!.attributes).toContain('RESOLUTION=480x854,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000');
    expect(rendition.bandwidth).toBeGreaterThanOrEqual(rendition.averageBandwidth);
    expect(rendition.averageBandwidth).toBeGreaterThan(10_000);
  });

  it('the rendition decodes at 480x854 with H.264 and AAC', async () => {
    expect(await decodesCleanly(join(out, 'master.m3u8'))).toBe(true);
    const streams = await probeStreams(join(out, 'master.m3u8'));
    expect(streams.find((s) => s.codecType === 'video')).toMatchObject({ codecName: 'h264', width: 480, height: 854 });
    expect(streams.find((s) => s.codecType === 'audio')).toMatchObject({ codecName: 'aac' });
  });

  it('segments last 4 s (the last may be shorter) and key frames fall every 2 s exactly', async () => {
    const playlist = await readFile(join(out, '480p/index.m3u8'), 'utf8');
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    const segments = parseMediaPlaylist(playlist);
    expect(segments.length).toBe(2);
    segments.slice(0, -1).forEach((s) => expect(s.durationSeconds).toBeCloseTo(4, 1));
    expect(segments.at(-1)!.durationSeconds).toBeGreaterThan(0);
    expect(segments.at(-1)!.durationSeconds).toBeLessThanOrEqual(4.05);

    const packets = await videoPackets(join(out, '480p/index.m3u8'));
    const start = packets[0]!.ptsTime;
    const keyTimes = packets.filter((p) => p.key).map((p) => Math.round((p.ptsTime - start) * 1000));
    // Hard cuts at 1.5, 3.5 and 5.2 s must not add key frames: sc_threshold 0.
    expect(keyTimes).toEqual([0, 2000, 4000, 6000]);
  });

  it('finds the scene cuts within 0.2 s', () => {
    const expected = [1500, 3500, 5200];
    expect(result.sceneCutsMs).toHaveLength(expected.length);
    result.sceneCutsMs.forEach((ms, i) => expect(Math.abs(ms - expected[i]!)).toBeLessThanOrEqual(200));
  });

  it('makes a poster and a sprite with one VTT cue per 2 s', async () => {
    expect(result.poster).toBe('poster.jpg');
    expect((await probeStreams(join(out, 'poster.jpg')))[0]).toMatchObject({ codecName: 'mjpeg', width: 480, height: 854 });
    expect(result.sprite).toEqual({ image: 'sprite.jpg', vtt: 'sprite.vtt', tileWidth: 90, tileHeight: 160, columns: 4, intervalMs: 2000 });
    expect((await probeStreams(join(out, 'sprite.jpg')))[0]).toMatchObject({ width: 360, height: 160 });
    const vtt = await readFile(join(out, 'sprite.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    const cues = vtt.match(/-->/g) ?? [];
    expect(cues).toHaveLength(4);
    expect(vtt).toContain('sprite.jpg#xywh=270,0,90,160');
  });

  it('reports rising progress that ends at 100, and the real duration', () => {
    expect(progress.at(-1)).toBe(100);
    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(Math.abs(result.durationMs - 7000)).toBeLessThanOrEqual(100);
  });

  it('leaves nothing but the published files', async () => {
    expect((await readdir(out)).sort()).toEqual(['480p', 'master.m3u8', 'poster.jpg', 'sprite.jpg', 'sprite.vtt']);
  });
});

describe('transcodeEpisode on a 16:9 clip without audio', () => {
  it.each(['pad', 'crop'] as const)('%s: every rendition is 9:16, has a (silent) audio track and the right framing', async (fit) => {
    const out = join(dir, `landscape-${fit}`);
    const result = await transcodeEpisode({ input: landscape, outDir: out, fit, rungs: SMALL_RUNGS, sourceDurationMs: 4000, threads: 2 });
    expect(result.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(['360x640', '180x320']);
    expect(masterVariants(await readFile(join(out, 'master.m3u8'), 'utf8')).map((v) => v.uri)).toEqual(['360p/index.m3u8', '180p/index.m3u8']);
    for (const rendition of result.renditions) {
      expect(await decodesCleanly(join(out, rendition.playlist))).toBe(true);
      const streams = await probeStreams(join(out, rendition.playlist));
      expect(streams.find((s) => s.codecType === 'video')).toMatchObject({ width: rendition.width, height: rendition.height });
      expect(streams.find((s) => s.codecType === 'audio')).toMatchObject({ codecName: 'aac' });
    }
    const luma = await lumaFrame(join(out, '360p/seg_000.ts'), 30, { width: 360, height: 640 });
    const rowMean = (row: number): number => {
      let sum = 0;
      for (let x = 0; x < 360; x++) sum += luma[row * 360 + x] ?? 0;
      return sum / 360;
    };
    if (fit === 'pad') {
      expect(rowMean(10)).toBeLessThan(20); // letterbox bar
      expect(rowMean(630)).toBeLessThan(20);
    } else {
      expect(Math.max(rowMean(10), rowMean(630), rowMean(320))).toBeGreaterThan(40); // picture edge to edge
    }
  });
});

describe('transcodeEpisode on a rotated phone clip', () => {
  it('plays it upright: the picture is turned, not squeezed', async () => {
    // Coded 320x180, left half white, right half black; tagged to be shown turned a quarter.
    const coded = join(dir, 'halves.mp4');
    const rotated = join(dir, 'halves-rotated.mp4');
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-y', '-filter_complex',
      'color=white:s=160x180:r=30:d=2[l];color=black:s=160x180:r=30:d=2[r];[l][r]hstack,format=yuv420p[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', coded,
    ]);
    await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-i', coded, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const probe = await probeUpload(rotated, LIMITS);
    expect([probe.displayWidth, probe.displayHeight]).toEqual([180, 320]);

    const out = join(dir, 'rotated-out');
    await transcodeEpisode({ input: rotated, outDir: out, fit: 'pad', rungs: [SMALL_RUNGS[1]!], sourceDurationMs: 2000, probe, threads: 1 });
    const luma = await lumaFrame(join(out, '180p/seg_000.ts'), 15, { width: 180, height: 320 });
    const mean = (x0: number, x1: number, y0: number, y1: number): number => {
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += luma[y * 180 + x] ?? 0;
      return sum / ((x1 - x0) * (y1 - y0));
    };
    // Turned: the halves are now top and bottom, and each spans the full width.
    expect(Math.abs(mean(0, 180, 10, 150) - mean(0, 180, 170, 310))).toBeGreaterThan(150);
    expect(Math.abs(mean(0, 80, 10, 310) - mean(100, 180, 10, 310))).toBeLessThan(20);
  });
});

describe('transcodeEpisode with AES-128', () => {
  const key = '000102030405060708090a0b0c0d0e0f';
  const iv = 'f0e0d0c0b0a090807060504030201000';

  it('encrypts every segment: undecodable without the key, a valid TS with it', async () => {
    const out = join(dir, 'encrypted');
    await transcodeEpisode({
      input: landscape,
      outDir: out,
      fit: 'crop',
      rungs: [SMALL_RUNGS[1]!],
      sourceDurationMs: 4000,
      threads: 2,
      encryption: { keyUri: 'https://example.test/keys/ep1?t=abc', keyHex: key, ivHex: `0x${iv}` },
    });
    const playlist = await readFile(join(out, '180p/index.m3u8'), 'utf8');
    expect(playlist).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="https://example.test/keys/ep1?t=abc",IV=0x${iv}`);
    const segments = parseMediaPlaylist(playlist);
    expect(segments.length).toBeGreaterThan(0);
    for (const segment of segments) {
      const path = join(out, '180p', segment.uri);
      const encrypted = await readFile(path);
      // One ciphertext in 256 starts with 0x47 by chance; clear MPEG-TS repeats it every 188 bytes.
      expect([0, 188, 376].map((at) => encrypted[at])).not.toEqual([0x47, 0x47, 0x47]);
      expect(await decodesCleanly(path)).toBe(false);

      const decipher = createDecipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'));
      const clear = Buffer.concat([decipher.update(encrypted), decipher.final()]);
      expect(clear[0]).toBe(0x47);
      expect(clear.length % 188).toBe(0);
      const clearPath = `${path}.clear.ts`;
      await writeFile(clearPath, clear);
      expect(await decodesCleanly(clearPath)).toBe(true);
      expect((await probeStreams(clearPath)).map((s) => s.codecName).sort()).toEqual(['aac', 'h264']);
    }
    // The key itself never lands in the published folder.
    const keyBytes = Buffer.from(key, 'hex');
    for (const name of await readdir(out, { recursive: true })) {
      const path = join(out, name);
      if ((await stat(path)).isFile()) expect((await readFile(path)).includes(keyBytes)).toBe(false);
    }
  });
});

describe('transcodeEpisode failure paths', () => {
  it('abort kills ffmpeg and rejects', async () => {
    const long = join(dir, 'long.mp4');
    await makeClip(long, { width: 360, height: 640, seconds: 12 });
    const out = join(dir, 'aborted');
    const controller = new AbortController();
    const run = transcodeEpisode({
      input: long,
      outDir: out,
      fit: 'pad',
      rungs: SMALL_RUNGS,
      sourceDurationMs: 12_000,
      threads: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    const size = async (): Promise<number> => {
      let total = 0;
      for (const name of await readdir(out, { recursive: true })) total += (await stat(join(out, name))).size;
      return total;
    };
    const before = await size();
    await new Promise((r) => setTimeout(r, 600));
    expect(await size()).toBe(before); // nothing writes any more
    await expect(stat(join(out, 'master.m3u8'))).rejects.toThrow();
  });

  it('ffmpeg itself refuses a disguised playlist (format whitelist), even with a forged probe', async () => {
    const evil = join(dir, 'evil.mp4');
    const fifo = join(dir, 'bait.ts');
    execFileSync('mkfifo', [fifo]);
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    writeSync(fd, Buffer.from('CANARY'));
    try {
      await writeFile(evil, '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nbait.ts\n#EXT-X-ENDLIST\n');
      const forged: ProbeResult = {
        formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationMs: 10_000, width: 360, height: 640, rotation: 0,
        displayWidth: 360, displayHeight: 640, videoCodec: 'h264', frameRate: 30, hasAudio: false, audioCodec: null,
        sizeBytes: 100, videoStreamIndex: 0, audioStreamIndex: null,
      };
      const error = await transcodeEpisode({
        input: evil, outDir: join(dir, 'evil-out'), fit: 'pad', rungs: [SMALL_RUNGS[1]!], sourceDurationMs: 10_000, probe: forged,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FfmpegError);
      expect((error as FfmpegError).stderrTail).toMatch(/not on whitelist/);
      expect(readSync(fd, Buffer.alloc(16), 0, 16, null)).toBe(6); // the bait was never read
    } finally {
      closeSync(fd);
    }
  });
});
