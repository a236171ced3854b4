import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError, FfmpegTimeoutError, ensureExecutable, resolveFfmpegBinaries, runFfmpeg, runFfprobeJson } from './binaries.ts';
import { makeTempDir } from './test-clips.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('binaries'));
});
afterAll(() => cleanup());

describe('resolveFfmpegBinaries', () => {
  it('returns overrides untouched', () => {
    expect(resolveFfmpegBinaries({ ffmpeg: '/opt/ff/ffmpeg', ffprobe: '/opt/ff/ffprobe' })).toEqual({
      ffmpeg: '/opt/ff/ffmpeg',
      ffprobe: '/opt/ff/ffprobe',
    });
  });

  it('finds working binaries without overrides (PATH or the npm packages)', () => {
    const { ffmpeg, ffprobe } = resolveFfmpegBinaries({ ffmpeg: null, ffprobe: null });
    for (const binary of [ffmpeg, ffprobe]) {
      const run = spawnSync(binary, ['-version'], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/version/);
    }
  });

  it('ensureExecutable restores a missing execute bit', async () => {
    const script = join(dir, 'tool.sh');
    await writeFile(script, '#!/bin/sh\necho ok\n');
    await chmod(script, 0o644);
    ensureExecutable(script);
    expect(() => accessSync(script, constants.X_OK)).not.toThrow();
    expect(spawnSync(script, { encoding: 'utf8' }).stdout.trim()).toBe('ok');
  });
});

describe('runFfmpeg / runFfprobeJson', () => {
  it('rejects with the stderr tail on a non-zero exit', async () => {
    const error = await runFfmpeg(['-hide_banner', '-i', join(dir, 'missing.mp4'), '-f', 'null', '-']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    const ffmpegError = error as FfmpegError;
    expect(ffmpegError.exitCode).not.toBe(0);
    expect(ffmpegError.stderrTail).toMatch(/No such file or directory/);
    expect(ffmpegError.message).toMatch(/missing\.mp4/);
  });

  it('streams stderr lines and passes arguments without a shell', async () => {
    const lines: string[] = [];
    // A shell would expand $HOME and `;` would split the command; ffmpeg must see them verbatim.
    const error = await runFfmpeg(['-hide_banner', '-i', 'no $HOME; echo pwned.mp4'], { onStderrLine: (l) => lines.push(l) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect(lines.join('\n')).toContain('no $HOME; echo pwned.mp4');
  });

  it('kills ffmpeg when the signal aborts', async () => {
    const controller = new AbortController();
    let pid = 0;
    const run = runFfmpeg(['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=10:d=60', '-f', 'null', '-'], {
      signal: controller.signal,
      onSpawn: (p) => {
        pid = p;
      },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(pid).toBeGreaterThan(0);
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('kills ffmpeg on timeout', async () => {
    const run = runFfmpeg(['-hide_banner', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=10:d=60', '-f', 'null', '-'], { timeoutMs: 300 });
    await expect(run).rejects.toBeInstanceOf(FfmpegTimeoutError);
  });

  it('parses ffprobe JSON', async () => {
    const doc = await runFfprobeJson(['-v', 'error', '-f', 'lavfi', '-show_streams', 'testsrc2=s=64x48:r=5:d=1']);
    expect(doc).toMatchObject({ streams: [{ codec_type: 'video', width: 64, height: 48 }] });
  });
});
