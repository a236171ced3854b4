export interface Lock {
  release(): Promise<void>;
}

export interface Cache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic increment; the TTL is set when the key is created. Returns the new value. */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** An exclusive lock across every process sharing the cache, or null if held elsewhere. */
  tryLock(key: string, ttlMs: number): Promise<Lock | null>;
  close(): Promise<void>;
}
