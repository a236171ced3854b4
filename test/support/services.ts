/**
 * URLs of the optional external services for driver contract tests. Tests needing one run
 * only when it is set (`describe.runIf(testRedisUrl() !== null)`), so `npm test` needs nothing but npm.
 */
export function testRedisUrl(): string | null {
  return process.env.REDIS_URL || null;
}

export function testNatsUrl(): string | null {
  return process.env.NATS_URL || null;
}
