import { useMemo, useRef } from 'react';

/** A random Idempotency-Key; randomUUID needs a secure context, a self-hosted http LAN address is not one. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface IntentKeys {
  /** The key of one user intent (e.g. "unlock episode X for 30 coins"): the same on every retry of it. */
  key(intent: string): string;
  /** The intent succeeded: a later one of the same kind is a new purchase and gets a new key. */
  done(intent: string): void;
}

export function useIntentKeys(): IntentKeys {
  const keys = useRef(new Map<string, string>());
  return useMemo(
    () => ({
      key(intent) {
        let key = keys.current.get(intent);
        if (!key) {
          key = newIdempotencyKey();
          keys.current.set(intent, key);
        }
        return key;
      },
      done(intent) {
        keys.current.delete(intent);
      },
    }),
    [],
  );
}
