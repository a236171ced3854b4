/**
 * Rules both bus drivers share, so the in-memory default refuses and delivers exactly what
 * NATS JetStream would.
 */

/** How long a published id is remembered for dropping a republish (NATS duplicate_window). */
export const DEDUPE_WINDOW_MS = 2 * 60_000;

const TOKEN = /^[^\s.*>]+$/;

/** A concrete subject such as `ds.media.transcoded`: dot-separated tokens, no wildcards. */
export function assertSubject(subject: string): void {
  const tokens = subject.split('.');
  if (!tokens.every((token) => TOKEN.test(token))) throw new Error(`invalid bus subject ${JSON.stringify(subject)}`);
}

/** A subscription pattern: `*` matches one token, `>` (last only) one or more. */
export function assertPattern(pattern: string): void {
  const tokens = pattern.split('.');
  const valid = tokens.every((token, i) => TOKEN.test(token) || token === '*' || (token === '>' && i === tokens.length - 1));
  if (!valid) throw new Error(`invalid bus subject pattern ${JSON.stringify(pattern)}`);
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const wanted = pattern.split('.');
  const actual = subject.split('.');
  for (let i = 0; i < wanted.length; i++) {
    const token = wanted[i];
    if (token === '>') return actual.length > i;
    if (i >= actual.length) return false;
    if (token !== '*' && token !== actual[i]) return false;
  }
  return wanted.length === actual.length;
}

/** True when every subject `pattern` matches is also captured by one of the bus's subjects. */
export function patternIsCovered(streamSubjects: readonly string[], pattern: string): boolean {
  return streamSubjects.some((streamSubject) => subjectMatches(streamSubject, pattern) || streamSubject === pattern);
}

/** The wait before a failed event is delivered again: 200 ms doubling to 30 s. */
export function redeliveryDelayMs(deliveries: number): number {
  return Math.min(30_000, 200 * 2 ** Math.min(Math.max(0, deliveries - 1), 10));
}
