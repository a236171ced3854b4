import { useSyncExternalStore } from 'react';

/**
 * Bumped whenever what the viewer may watch could have changed (an unlock, an ad reward, a paid
 * top-up or VIP). Locked players and open sheets ask the server again; nothing is decided here.
 */
let version = 0;
const listeners = new Set<() => void>();

export function bumpAccess(): void {
  version += 1;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useAccessVersion(): number {
  return useSyncExternalStore(subscribe, () => version);
}
