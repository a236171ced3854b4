import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

/**
 * Browsers let a page play sound only after a user gesture. Players start muted; the first tap
 * anywhere in the pager turns sound on for every player after it.
 */
export interface Sound {
  on: boolean;
  enable(): void;
  /** Autoplay with sound was refused (a new element on iOS): fall back to muted and show the hint. */
  refused(): void;
}

const SoundContext = createContext<Sound>({ on: false, enable: () => {}, refused: () => {} });

export function SoundProvider({ children }: { children: ReactNode }): ReactNode {
  const [on, setOn] = useState(false);
  const value = useMemo<Sound>(() => ({ on, enable: () => setOn(true), refused: () => setOn(false) }), [on]);
  return <SoundContext.Provider value={value}>{children}</SoundContext.Provider>;
}

export function useSound(): Sound {
  return useContext(SoundContext);
}
