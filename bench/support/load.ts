import autocannon from 'autocannon';
import { groupCpuMs } from './cpu.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** The server's process group, to charge it the CPU it spent during the round. */
  serverGroupId?: number;
}

export interface RoundResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU the server process group spent during the round, null where it cannot be read. */
  serverCpuMs: number | null;
}

export async function runLoad(options: LoadOptions): Promise<RoundResult> {
  const cpuBefore = options.serverGroupId ? groupCpuMs(options.serverGroupId) : null;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.headers ?? {},
  });
  return {
    requestsPerSecond: result.requests.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    serverCpuMs: cpuBefore !== null && options.serverGroupId ? (groupCpuMs(options.serverGroupId) ?? cpuBefore) - cpuBefore : null,
  };
}

export interface Summary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU per request over all rounds, in ms. */
  cpuMsPerRequest: number | null;
}

/** Mean of the rounds' req/s and p50; the worst round's p99 (one bad round is what users feel). */
export function summarise(rounds: RoundResult[]): Summary {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return {
    requestsPerSecond: mean(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: mean(rounds.map((r) => r.p50Ms)),
    p99Ms: Math.max(0, ...rounds.map((r) => r.p99Ms)),
    requests: rounds.reduce((a, r) => a + r.requests, 0),
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    cpuMsPerRequest: cpuPerRequest(rounds),
  };
}

function cpuPerRequest(rounds: RoundResult[]): number | null {
  if (rounds.some((r) => r.serverCpuMs === null)) return null;
  const requests = rounds.reduce((a, r) => a + r.requests, 0);
  return requests === 0 ? null : rounds.reduce((a, r) => a + (r.serverCpuMs ?? 0), 0) / requests;
}

export function formatRow(label: string, r: RoundResult | Summary): string {
  const cpu = 'cpuMsPerRequest' in r ? r.cpuMsPerRequest : r.serverCpuMs !== null && r.requests > 0 ? r.serverCpuMs / r.requests : null;
  return [
    label.padEnd(16),
    `${r.requestsPerSecond.toFixed(0).padStart(7)} req/s`,
    `p50 ${r.p50Ms.toFixed(1).padStart(6)} ms`,
    `p99 ${r.p99Ms.toFixed(1).padStart(6)} ms`,
    `${String(r.requests).padStart(7)} requests`,
    `non-2xx ${r.non2xx}`,
    `errors ${r.errors}`,
    cpu === null ? '' : `server CPU ${cpu.toFixed(2)} ms/req`,
  ].join('  ');
}
