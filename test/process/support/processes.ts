import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');
/**
 * How a TypeScript entry point is started, as `npm start` does: one Node process with tsx's
 * loader, so signals reach the app itself (the tsx CLI would relay and then SIGKILL it).
 */
const LAUNCHER: string[] = ['--import', 'tsx'];
const KEPT_OUTPUT_CHARS = 20_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  startedAt: number;
  /** Settles when the process (and so its stdio) is gone. */
  exited: Promise<Exit>;
  exit: Exit | null;
  /** The tail of stdout and stderr, interleaved, for failure messages. */
  output(): string;
  /** Sends a signal to the launched process, as an operator or a container runtime would. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs the whole process group (the tsx launcher and the app it started). */
  kill(): void;
}

const started = new Set<AppProcess>();

function killGroup(proc: AppProcess): void {
  if (proc.exit) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

// A crashed test runner must not leave servers behind on a 2-core machine.
process.once('exit', () => {
  for (const proc of started) killGroup(proc);
});

/**
 * The environment a child gets: only what a shell needs, plus what the caller gives. Nothing
 * else leaks in from the test run (a DATABASE_URL in the runner must not turn a PGlite test into a
 * PostgreSQL one).
 */
function childEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...env };
}

/** Starts `src/main.ts <command>` the way an operator would, through the tsx CLI. */
export function spawnMain(name: string, command: 'serve' | 'worker' | 'all' | 'migrate', env: Record<string, string>): AppProcess {
  return spawnTsx(name, ['src/main.ts', command], env);
}

export function spawnTsx(name: string, args: string[], env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [...LAUNCHER, ...args], {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so kill() also reaches the app that the tsx CLI starts as a child.
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const proc: AppProcess = {
    name,
    child,
    pid: child.pid,
    startedAt: performance.now(),
    exit: null,
    exited: new Promise<Exit>((resolveExit) => {
      child.once('close', (code, signal) => {
        proc.exit = { code, signal };
        started.delete(proc);
        resolveExit(proc.exit);
      });
    }),
    output: () => output,
    signal: (signal) => {
      if (!proc.exit) child.kill(signal);
    },
    kill: () => killGroup(proc),
  };
  started.add(proc);
  return proc;
}

/** Kills every process started here that is still running and waits until they are gone. */
export async function killAll(): Promise<void> {
  const running = [...started];
  for (const proc of running) proc.kill();
  await Promise.all(running.map((proc) => proc.exited));
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/** Polls `url` until it answers 200; fails early with the process output if the process dies. */
export async function waitForOk(url: string, proc: AppProcess, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (proc.exit) {
      throw new Error(`${proc.name} exited (${JSON.stringify(proc.exit)}) before ${url} answered:\n${proc.output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${proc.output()}`);
}

/** Waits for the process to exit, or rejects after `timeoutMs` (the process is left running). */
export async function exitWithin(proc: AppProcess, timeoutMs: number): Promise<Exit & { afterMs: number }> {
  const from = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${proc.name} did not exit within ${timeoutMs} ms:\n${proc.output()}`)), timeoutMs);
  });
  try {
    const exit = await Promise.race([proc.exited, timeout]);
    return { ...exit, afterMs: performance.now() - from };
  } finally {
    clearTimeout(timer);
  }
}

/** The last lines of a process's output, for assertion messages. */
export function tail(output: string, lines = 25): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Pino's JSON lines at level error (50) or fatal (60). */
export function errorLogLines(output: string): string[] {
  return output.split('\n').filter((line) => /"level":(50|60)\b/.test(line));
}
