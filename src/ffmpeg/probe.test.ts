import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { chmod, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegBinaries, runFfmpeg } from './binaries.ts';
import { safeInputArgs } from './container.ts';
import type { ProbeLimits } from './probe.ts';
import { MediaRejectedError, probeUpload } from './probe.ts';
import { makeClip, makeTempDir } from './test-clips.ts';

const LIMITS: ProbeLimits = { maxBytes: 50 * 1024 * 1024, maxDurationMs: 60_000 };
let dir = '';
let cleanup: () => Promise<void> = async () => {};
let good = '';

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('probe'));
  good = join(dir, 'good.mp4');
  await makeClip(good, { width: 360, height: 640, seconds: 4, faststart: true });
});
afterAll(() => cleanup());

async function rejection(path: string, limits: ProbeLimits = LIMITS): Promise<MediaRejectedError> {
  const error = await probeUpload(path, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaRejectedError);
  return error as MediaRejectedError;
}

/**
 * A FIFO holding a payload, held open for writing by the test: if anything opens and reads it,
 * the payload is gone. A plain file could not tell us whether it was read.
 */
function canary(path: string): { untouched: () => boolean; close: () => void } {
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  writeSync(fd, Buffer.from('CANARY'));
  return {
    untouched: () => {
      const buffer = Buffer.alloc(16);
      try {
        return readSync(fd, buffer, 0, 16, null) === 6;
      } catch {
        return false;
      }
    },
    close: () => closeSync(fd),
  };
}

describe('probeUpload accepts real videos', () => {
  it('reports the fields of a good clip', async () => {
    const result = await probeUpload(good, LIMITS);
    expect(result).toMatchObject({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      width: 360,
      height: 640,
      rotation: 0,
      displayWidth: 360,
      displayHeight: 640,
      videoCodec: 'h264',
      frameRate: 30,
      hasAudio: true,
      audioCodec: 'aac',
      videoStreamIndex: 0,
      audioStreamIndex: 1,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(3950);
    expect(result.durationMs).toBeLessThanOrEqual(4100);
    expect(result.sizeBytes).toBe((await readFile(good)).length);
  });

  it('swaps the display size of a rotated phone clip', async () => {
    const landscape = join(dir, 'landscape.mp4');
    const rotated = join(dir, 'rotated.mp4');
    await makeClip(landscape, { width: 320, height: 180, seconds: 1, audio: false });
    await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-i', landscape, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const result = await probeUpload(rotated, LIMITS);
    expect([90, 270]).toContain(result.rotation);
    expect(result).toMatchObject({ width: 320, height: 180, displayWidth: 180, displayHeight: 320, hasAudio: false, audioCodec: null });
  });

  it('accepts WebM', async () => {
    const webm = join(dir, 'clip.webm');
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=90x160:r=10:d=1',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '100k', webm,
    ]);
    const result = await probeUpload(webm, LIMITS);
    expect(result).toMatchObject({ formatName: 'matroska,webm', videoCodec: 'vp8', displayWidth: 90, displayHeight: 160 });
  });

  it('measures a live-recorded WebM that states no duration (as MediaRecorder writes them)', async () => {
    const live = join(dir, 'live.webm');
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=90x160:r=10:d=2',
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '100k', '-f', 'webm', '-live', '1', live,
    ]);
    const result = await probeUpload(live, LIMITS);
    expect(result.durationMs).toBeGreaterThanOrEqual(1900);
    expect(result.durationMs).toBeLessThanOrEqual(2100);
    expect((await rejection(live, { ...LIMITS, maxDurationMs: 1000 })).reason).toBe('too_long');
  });
});

describe('probeUpload rejects unfit or hostile files', () => {
  it('an .mp4 that is an HLS playlist pointing at local files: rejected, nothing it names is opened', async () => {
    const evil = join(dir, 'evil.mp4');
    const bait = canary(join(dir, 'canary.ts'));
    try {
      await writeFile(evil, '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\ncanary.ts\n#EXT-X-ENDLIST\n');
      const error = await rejection(evil);
      expect(['not_video', 'format']).toContain(error.reason);
      expect(bait.untouched()).toBe(true);
    } finally {
      bait.close();
    }
  });

  it('ffmpeg opened with safeInputArgs refuses the playlist (format whitelist), while an unguarded ffmpeg reads it', async () => {
    const evil = join(dir, 'evil2.mp4');
    await writeFile(evil, '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\ncanary2.ts\n#EXT-X-ENDLIST\n');
    const { ffmpeg } = resolveFfmpegBinaries();

    const guarded = canary(join(dir, 'canary2.ts'));
    try {
      // ffmpeg's own probe, unlike recent ffprobe, takes an .mp4 holding #EXTM3U for HLS.
      const run = spawnSync(ffmpeg, ['-hide_banner', ...safeInputArgs(evil), '-f', 'null', '-'], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/not on whitelist/);
      expect(guarded.untouched()).toBe(true);

      // The control: the same file without the format whitelist reaches the canary.
      const unguarded = spawnSync(ffmpeg, ['-hide_banner', '-protocol_whitelist', 'file', '-i', evil, '-f', 'null', '-'], {
        timeout: 1_500,
        killSignal: 'SIGKILL',
      });
      expect(unguarded.pid).toBeGreaterThan(0);
      expect(guarded.untouched()).toBe(false);
    } finally {
      guarded.close();
    }
  });

  it.runIf(spawnSync('strace', ['-V']).status === 0)('never opens /etc/passwd (checked with strace)', async () => {
    const evil = join(dir, 'evil3.mp4');
    await writeFile(evil, '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\n/etc/passwd\n#EXT-X-ENDLIST\n');
    const log = join(dir, 'strace.log');
    const wrapper = join(dir, 'ffprobe-traced.sh');
    const { ffmpeg, ffprobe } = resolveFfmpegBinaries();
    await writeFile(wrapper, `#!/bin/sh\nexec strace -f -qq -e trace=open,openat -o '${log}' '${ffprobe}' "$@"\n`);
    await chmod(wrapper, 0o755);
    await probeUpload(evil, LIMITS, { binaries: { ffmpeg, ffprobe: wrapper } }).catch(() => null);
    const traced = await readFile(log, 'utf8').catch(() => '');
    expect(traced).not.toMatch(/\/etc\/passwd/);
  });

  it('a text file', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'hello, this is not a video at all\n'.repeat(50));
    expect((await rejection(text)).reason).toBe('not_video');
  });

  it('a clip longer than the limit', async () => {
    const error = await rejection(good, { ...LIMITS, maxDurationMs: 2_000 });
    expect(error.reason).toBe('too_long');
    expect(error.message).toMatch(/limit/);
  });

  it('a file larger than the limit', async () => {
    expect((await rejection(good, { ...LIMITS, maxBytes: 1024 })).reason).toBe('too_large');
  });

  it('more streams than allowed', async () => {
    expect((await rejection(good, { ...LIMITS, maxStreams: 1 })).reason).toBe('too_many_streams');
  });

  it('audio only', async () => {
    const m4a = join(dir, 'audio.m4a');
    await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', m4a]);
    expect((await rejection(m4a)).reason).toBe('no_video_stream');
  });

  it('an unsupported codec in an accepted container', async () => {
    const raw = join(dir, 'raw.mov');
    await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=32x32:r=5:d=1', '-c:v', 'png', raw]);
    expect((await rejection(raw)).reason).toBe('format');
  });

  it('an mp4 cut in half (moov at the front, media data missing)', async () => {
    const half = join(dir, 'half.mp4');
    const bytes = await readFile(good);
    await writeFile(half, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await rejection(half)).reason).toBe('corrupt');
  });

  it('an mp4 cut in half before its moov (moov at the end)', async () => {
    const tailMoov = join(dir, 'tail-moov.mp4');
    await makeClip(tailMoov, { width: 160, height: 284, seconds: 2, faststart: false });
    const bytes = await readFile(tailMoov);
    await truncate(tailMoov, Math.floor(bytes.length / 2));
    expect((await rejection(tailMoov)).reason).toBe('corrupt');
  });

  it('an mp4 without its moov atom', async () => {
    const noMoov = join(dir, 'no-moov.mp4');
    await writeFile(noMoov, withoutBox(await readFile(good), 'moov'));
    const error = await rejection(noMoov);
    expect(error.reason).toBe('corrupt');
  });

  it('probing past the time budget', async () => {
    expect((await rejection(good, { ...LIMITS, timeoutMs: 1 })).reason).toBe('timeout');
  });
});

function withoutBox(bytes: Buffer, type: string): Buffer {
  const kept: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(offset);
    const boxType = bytes.toString('latin1', offset + 4, offset + 8);
    if (boxType !== type) kept.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return Buffer.concat(kept);
}
