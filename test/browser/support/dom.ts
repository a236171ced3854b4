/**
 * The little of the DOM that page.evaluate callbacks touch. The root tsconfig is for Node (no DOM
 * lib), and those callbacks run in the page, so they reach it through `globalThis as DomWindow`.
 */
export interface DomElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector<T = DomElement>(selector: string): T | null;
  querySelectorAll<T = DomElement>(selector: string): ArrayLike<T>;
}

export interface DomVideo extends DomElement {
  currentTime: number;
  duration: number;
  paused: boolean;
  muted: boolean;
  readyState: number;
  requestVideoFrameCallback(callback: (now: number) => void): number;
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
}

export interface DomWindow {
  document: {
    querySelector<T = DomElement>(selector: string): T | null;
    addEventListener(type: string, listener: (event: { target: unknown }) => void, options?: { capture?: boolean; once?: boolean }): void;
  };
  performance: { now(): number };
  localStorage: { getItem(key: string): string | null };
  [key: string]: unknown;
}
