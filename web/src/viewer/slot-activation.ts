import { createContext, useContext, useEffect } from 'react';

/**
 * Lets the pager start the next player inside the touchend/keydown handler itself, before React
 * re-renders: that saves a frame or two, and a play() inside the gesture may have sound on iOS.
 */
export type ActivateNow = () => void;

export interface SlotActivation {
  register: (activate: ActivateNow) => () => void;
}

export const SlotActivationContext = createContext<SlotActivation | null>(null);

export function useActivateNow(activate: ActivateNow): void {
  const slot = useContext(SlotActivationContext);
  useEffect(() => slot?.register(activate), [slot, activate]);
}

export function createSlotActivation(handles: Map<string, ActivateNow>, key: string): SlotActivation {
  return {
    register(activate) {
      handles.set(key, activate);
      return () => {
        if (handles.get(key) === activate) handles.delete(key);
      };
    },
  };
}
