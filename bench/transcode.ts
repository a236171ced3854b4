/**
 * npm run bench:transcode [-- --rounds 3 --seconds 30]
 *
 * Times the whole transcode job (probe + one ffmpeg run making the ladder, poster, sprite and
 * scene cuts + master playlist) against the bare ffmpeg command that makes the same HLS ladder
 * and nothing else, alternating A/B so both see the same machine load.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveFfmpegBinaries } from '../src/ffmpeg/binaries.ts';
import { safeInputArgs } from '../src/ffmpeg/container.ts';
import { renderDemoEpisode } from '../src/ffmpeg/demo-video.ts';
import { h264LevelFor } from '../src/ffmpeg/h264.ts';
import { LADDER, planLadder, transcodeEpisode } from '../src/ffmpeg/ladder.ts';
import { probeUpload } from '../src/ffmpeg/probe.ts';
import { gopFrames, outputFrameRate } from '../src/ffmpeg/transcode-args.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '30' },
  },
});
const rounds = Math.max(1, Number(values.rounds));
const seconds = Math.min(40, Math.max(20, Number(values.seconds)));

const workDir = join(tmpdir(), 'dualstream-bench-transcode');
const source = join(workDir, `source-1080x1920-${seconds}s.mp4`);
const binaries = resolveFfmpegBinaries();

async function ensureSource(): Promise<void> {
  if (existsSync(source)) {
    console.log(`source: ${source} (cached)`);
    return;
  }
  await mkdir(workDir, { recursive: true });
  const started = performance.now();
  const sceneMs = Math.round((seconds * 1000) / 5);
  await renderDemoEpisode({
    outPath: source,
    width: 1080,
    height: 1920,
    durationMs: seconds * 1000,
    seriesTitle: 'Benchmark Drama',
    episodeNumber: 1,
    episodeTitle: 'A 1080x1920 source',
    scenes: ['#8e2b2b', '#1f4e79', '#2e7d32', '#b8860b', '#5b2c6f'].map((background, i) => ({
      durationMs: sceneMs,
      background,
      subtitle: `Scene ${i + 1}: a line of dialogue burned into the picture`,
    })),
  });
  console.log(`source: ${source} (made in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

interface Timing {
  wallMs: number;
  /** CPU of this process and its finished children: steady while other work shares the cores. */
  cpuMs: number | null;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User+system time of reaped children (Linux /proc), in ms; null elsewhere. */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

async function timed(work: () => Promise<void>): Promise<Timing> {
  const childrenBefore = childrenCpuMs();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const own = process.cpuUsage(ownBefore);
  const childrenAfter = childrenCpuMs();
  const cpuMs = childrenBefore === null || childrenAfter === null ? null : childrenAfter - childrenBefore + (own.user + own.system) / 1000;
  return { wallMs, cpuMs };
}

async function runJob(outDir: string): Promise<Timing> {
  await rm(outDir, { recursive: true, force: true });
  return timed(async () => {
    const probe = await probeUpload(source, { maxBytes: 4 * 1024 ** 3, maxDurationMs: 10 * 60_000 });
    await transcodeEpisode({
      input: source,
      outDir,
      fit: 'pad',
      rungs: planLadder({ width: probe.displayWidth, height: probe.displayHeight }, 'pad'),
      sourceDurationMs: probe.durationMs,
      probe,
    });
  });
}

/** The same ladder with the same encoder settings, straight from ffmpeg: no poster, sprite, scenes or progress. */
function bareArgs(sourceFps: number): string[] {
  const fps = outputFrameRate(sourceFps);
  const gop = String(gopFrames(fps));
  const filters = [`[0:v]fps=${fps.expr},split=${LADDER.length}${LADDER.map((_, i) => `[s${i}]`).join('')}`];
  LADDER.forEach((rung, i) => {
    filters.push(`[s${i}]scale=${rung.width}:${rung.height}:flags=bicubic,pad=${rung.width}:${rung.height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p[v${i}]`);
  });
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...safeInputArgs(source), '-filter_complex', filters.join(';')];
  LADDER.forEach((rung, i) => {
    args.push(
      '-map', `[v${i}]`, '-map', '0:a:0',
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-level:v', h264LevelFor(rung.width, rung.height, fps.value, rung.videoBitrate).name,
      '-crf', '23', '-maxrate', String(rung.videoBitrate), '-bufsize', String(rung.videoBitrate * 2),
      '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-c:a', 'aac', '-b:a', String(rung.audioBitrate), '-ac', '2', '-ar', '48000',
      '-f', 'hls', '-hls_time', '4', '-hls_playlist_type', 'vod', '-hls_segment_filename', `${rung.name}/seg_%03d.ts`, `${rung.name}/index.m3u8`,
    );
  });
  return args;
}

async function runBare(outDir: string, sourceFps: number): Promise<Timing> {
  await rm(outDir, { recursive: true, force: true });
  for (const rung of LADDER) await mkdir(join(outDir, rung.name), { recursive: true });
  return timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(binaries.ffmpeg, bareArgs(sourceFps), { cwd: outDir, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bare ffmpeg exited with ${String(code)}: ${stderr}`))));
      }),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const cpu = (ms: number | null | undefined): string => (ms === null || ms === undefined ? 'n/a' : s(ms));

async function main(): Promise<void> {
  console.log(`bench:transcode — ffmpeg ${binaries.ffmpeg}`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await ensureSource();
  const probe = await probeUpload(source, { maxBytes: 4 * 1024 ** 3, maxDurationMs: 10 * 60_000 });
  const mediaSeconds = probe.durationMs / 1000;
  console.log(`input: ${probe.displayWidth}x${probe.displayHeight}, ${mediaSeconds.toFixed(2)} s, ${probe.frameRate} fps, ladder ${LADDER.map((r) => r.name).join(' / ')}`);
  console.log(`rounds: ${rounds} (A = transcodeEpisode job, B = bare ffmpeg ladder; alternating)\n`);

  const job: Timing[] = [];
  const bare: Timing[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Swap the order each round so neither side always runs on a warmer cache.
    const order = round % 2 ? (['A', 'B'] as const) : (['B', 'A'] as const);
    for (const side of order) {
      if (side === 'A') job.push(await runJob(join(workDir, 'out-job')));
      else bare.push(await runBare(join(workDir, 'out-bare'), probe.frameRate));
    }
    const a = job.at(-1);
    const b = bare.at(-1);
    console.log(`round ${round}: job ${s(a?.wallMs ?? 0)} wall, ${cpu(a?.cpuMs)} cpu   bare ${s(b?.wallMs ?? 0)} wall, ${cpu(b?.cpuMs)} cpu`);
  }

  const jobWall = median(job.map((t) => t.wallMs));
  const bareWall = median(bare.map((t) => t.wallMs));
  const cpuKnown = [...job, ...bare].every((t) => t.cpuMs !== null);
  const jobCpu = cpuKnown ? median(job.map((t) => t.cpuMs ?? 0)) : null;
  const bareCpu = cpuKnown ? median(bare.map((t) => t.cpuMs ?? 0)) : null;
  const wallRatio = jobWall / bareWall;
  console.log('\n                              median wall   realtime   median cpu');
  console.log(`A job (probe+ladder+extras)  ${s(jobWall).padStart(11)}   ${(mediaSeconds / (jobWall / 1000)).toFixed(2).padStart(7)}x   ${cpu(jobCpu).padStart(10)}`);
  console.log(`B bare ffmpeg ladder         ${s(bareWall).padStart(11)}   ${(mediaSeconds / (bareWall / 1000)).toFixed(2).padStart(7)}x   ${cpu(bareCpu).padStart(10)}`);
  console.log(`\nratio job/bare, wall: ${wallRatio.toFixed(3)}  (goal <= 1.10: ${wallRatio <= 1.1 ? 'met' : 'NOT met'})`);
  if (jobCpu !== null && bareCpu !== null) {
    console.log(`ratio job/bare, cpu:  ${(jobCpu / bareCpu).toFixed(3)}  (the steadier figure when other work shares the cores)`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
