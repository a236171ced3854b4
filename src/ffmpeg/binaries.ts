import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
}

export interface BinaryOverrides {
  ffmpeg?: string | null;
  ffprobe?: string | null;
}

type Tool = 'ffmpeg' | 'ffprobe';

const NPM_PACKAGES: Record<Tool, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

const onPathCache = new Map<Tool, boolean>();
const resolvedCache = new Map<string, FfmpegBinaries>();

/**
 * The override if given, else the system's binary when `<tool> -version` runs from PATH
 * (spawn does the PATH lookup, so nothing here reads the environment), else the npm package.
 */
export function resolveFfmpegBinaries(overrides: BinaryOverrides = {}): FfmpegBinaries {
  const key = `${overrides.ffmpeg ?? ''}\n${overrides.ffprobe ?? ''}`;
  const cached = resolvedCache.get(key);
  if (cached) return cached;
  const resolved = { ffmpeg: resolveTool('ffmpeg', overrides.ffmpeg), ffprobe: resolveTool('ffprobe', overrides.ffprobe) };
  resolvedCache.set(key, resolved);
  return resolved;
}

function resolveTool(tool: Tool, override: string | null | undefined): string {
  if (override) return override;
  if (isOnPath(tool)) return tool;
  return npmBinary(tool);
}

function isOnPath(tool: Tool): boolean {
  const known = onPathCache.get(tool);
  if (known !== undefined) return known;
  const result = spawnSync(tool, ['-version'], { stdio: 'ignore', timeout: 10_000 });
  const found = result.error === undefined && result.status === 0;
  onPathCache.set(tool, found);
  return found;
}

function npmBinary(tool: Tool): string {
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    const loaded: unknown = require(NPM_PACKAGES[tool]);
    if (typeof loaded !== 'object' || loaded === null || !('path' in loaded) || typeof loaded.path !== 'string') {
      throw new Error(`${NPM_PACKAGES[tool]} did not export a path`);
    }
    path = loaded.path;
  } catch (error) {
    throw new Error(
      `${tool} not found: not on PATH and ${NPM_PACKAGES[tool]} is unusable (${String(error)}); install ${tool} or set its path`,
    );
  }
  ensureExecutable(path);
  return path;
}

/** npm 11 may skip the packages' postinstall chmod, leaving the binary without an execute bit. */
export function ensureExecutable(path: string): void {
  try {
    accessSync(path, constants.X_OK);
    return;
  } catch {
    // fall through to chmod
  }
  try {
    chmodSync(path, statSync(path).mode | 0o755);
    accessSync(path, constants.X_OK);
  } catch (error) {
    throw new Error(`${path} is not executable and chmod failed: ${String(error)}`);
  }
}

export class FfmpegError extends Error {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;

  constructor(tool: string, exitCode: number | null, signal: NodeJS.Signals | null, stderrTail: string) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${String(exitCode)}`;
    super(`${tool} ${how}${stderrTail ? `: ${stderrTail}` : ''}`);
    this.name = 'FfmpegError';
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

export class FfmpegTimeoutError extends Error {
  constructor(tool: string, timeoutMs: number) {
    super(`${tool} did not finish within ${timeoutMs} ms`);
    this.name = 'FfmpegTimeoutError';
  }
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  cwd?: string;
  binaries?: FfmpegBinaries;
  onStderrLine?: (line: string) => void;
  onStdoutLine?: (line: string) => void;
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

const STDERR_TAIL_LINES = 20;
/** A hostile file can make ffprobe print without end (thousands of streams, huge tags). */
const MAX_CAPTURED_STDOUT = 8 * 1024 * 1024;

export function runFfmpeg(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const binaries = options.binaries ?? resolveFfmpegBinaries();
  return runTool('ffmpeg', binaries.ffmpeg, args, options, false);
}

/** Runs ffprobe with `-of json` appended and returns the parsed document. */
export async function runFfprobeJson(args: readonly string[], options: RunOptions = {}): Promise<unknown> {
  const binaries = options.binaries ?? resolveFfmpegBinaries();
  const { stdout } = await runTool('ffprobe', binaries.ffprobe, [...args, '-of', 'json'], options, true);
  try {
    return JSON.parse(stdout) as unknown;
  } catch {
    throw new Error(`ffprobe printed invalid JSON (${stdout.length} bytes)`);
  }
}

function runTool(
  tool: string,
  binary: string,
  args: readonly string[],
  options: RunOptions,
  captureStdout: boolean,
): Promise<RunResult> {
  const { signal, timeoutMs } = options;
  return new Promise<RunResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const child = spawn(binary, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const tail: string[] = [];
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let failure: Error | null = null;
    let timer: NodeJS.Timeout | undefined;

    const stop = (error: Error): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => stop(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => stop(new FfmpegTimeoutError(tool, timeoutMs)), timeoutMs);
    if (child.pid !== undefined) options.onSpawn?.(child.pid);

    splitLines(child.stderr, (line) => {
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      options.onStderrLine?.(line);
    });
    if (options.onStdoutLine) splitLines(child.stdout, options.onStdoutLine);
    child.stdout.on('data', (chunk: Buffer) => {
      if (!captureStdout) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_CAPTURED_STDOUT) stop(new Error(`${tool} printed more than ${MAX_CAPTURED_STDOUT} bytes`));
      else stdoutChunks.push(chunk);
    });

    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      finish();
      reject(failure ?? new Error(`cannot run ${tool} (${binary}): ${error.message}`));
    });
    child.on('close', (code, killedBy) => {
      finish();
      if (failure) reject(failure);
      else if (code !== 0) reject(new FfmpegError(tool, code, killedBy, tail.join('\n').slice(-4000)));
      else resolve({ stdout: Buffer.concat(stdoutChunks).toString('utf8'), stderr: tail.join('\n') });
    });
  });
}

function splitLines(stream: Readable, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    const lines = pending.split(/\r?\n|\r/);
    pending = lines.pop() ?? '';
    for (const line of lines) if (line) onLine(line);
  });
  stream.on('end', () => {
    pending += decoder.end();
    if (pending) onLine(pending);
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}
