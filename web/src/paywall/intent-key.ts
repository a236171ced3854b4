import { useMemo, useRef } from 'react';
import { randomUuid } from '../lib/uuid.ts';

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
          key = randomUuid();
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
