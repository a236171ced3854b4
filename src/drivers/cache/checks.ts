/** Both drivers reject the same bad arguments, so a caller's bug shows up on the default too. */
export function assertTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
}

export function assertIncrement(by: number): void {
  if (!Number.isSafeInteger(by)) throw new RangeError(`increment must be an integer, got ${by}`);
}
