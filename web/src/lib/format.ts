export function formatClock(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '0:00';
  const whole = Math.floor(sec);
  const minutes = Math.floor(whole / 60);
  const seconds = whole % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

export function formatDurationMs(ms: number | null): string {
  return ms === null ? '' : formatClock(ms / 1000);
}

/** Resume fraction for progress hints on cards. */
export function watchedFraction(positionMs: number, durationMs: number | null): number {
  if (!durationMs || durationMs <= 0) return 0;
  return Math.min(1, Math.max(0, positionMs / durationMs));
}
