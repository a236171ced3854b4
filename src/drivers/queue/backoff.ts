export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before the next attempt: base·2^(attempt−1) capped at maxMs, plus up to 20% jitter
 * (also past the cap) so jobs that failed together, say in a dependency outage, do not all retry
 * in the same instant. Never shorter than the nominal delay, so callers can rely on it as a
 * lower bound.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
  const jitter = nominal * 0.2 * random();
  return Math.round(nominal + jitter);
}
