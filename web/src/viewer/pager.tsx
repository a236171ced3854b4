import { useCallback, useEffect, useRef, type CSSProperties, type ReactNode, type TouchEvent, type WheelEvent } from 'react';
import { createSlotActivation, SlotActivationContext, type ActivateNow, type SlotActivation } from './slot-activation.ts';

export type SlotRole = 'prev' | 'active' | 'next';

interface PagerProps<T> {
  items: T[];
  index: number;
  keyOf: (item: T) => string;
  onIndexChange: (next: number) => void;
  renderSlot: (item: T, role: SlotRole, index: number) => ReactNode;
  onTogglePlay?: () => void;
  /** Shown under the last item when the viewer pulls past it. */
  endNote?: ReactNode;
}

interface Drag {
  startX: number;
  startY: number;
  startT: number;
  dy: number;
  axis: 'x' | 'y' | null;
}

// A swipe commits when it travels this share of the screen, or is a quick flick.
const COMMIT_SHARE = 0.18;
const FLICK_PX_PER_MS = 0.35;
const FLICK_MIN_PX = 24;
const AXIS_LOCK_PX = 8;
// Trackpads send a long tail of wheel events per gesture: treat a burst as one step.
const WHEEL_QUIET_MS = 220;
const WHEEL_MIN_DELTA = 20;
const CLICK_AFTER_DRAG_MS = 400;

/**
 * A vertical, one-item-per-screen pager moved by transforms. Only the previous, current and next
 * items are mounted, so at most three players exist at a time.
 */
export function Pager<T>({ items, index, keyOf, onIndexChange, renderSlot, onTogglePlay, endNote }: PagerProps<T>): ReactNode {
  const rootRef = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  // A drag must not also count as a tap; browsers may still send a click right after touchend.
  const suppressClickUntil = useRef(0);
  const dragged = useRef(false);
  const wheel = useRef({ locked: false, timer: 0 });
  const state = useRef({ index, items, keyOf, onIndexChange, onTogglePlay });
  state.current = { index, items, keyOf, onIndexChange, onTogglePlay };
  const handles = useRef(new Map<string, ActivateNow>());
  const activations = useRef(new Map<string, SlotActivation>());
  const activationFor = (key: string): SlotActivation => {
    let activation = activations.current.get(key);
    if (!activation) {
      activation = createSlotActivation(handles.current, key);
      activations.current.set(key, activation);
    }
    return activation;
  };

  const setOffset = (px: number, dragging: boolean): void => {
    const root = rootRef.current;
    if (!root) return;
    root.style.setProperty('--drag', `${px}px`);
    root.classList.toggle('pager--dragging', dragging);
  };

  const go = useCallback((step: 1 | -1): boolean => {
    const { index: current, items: list, keyOf: keyFor, onIndexChange: change } = state.current;
    const target = current + step;
    const item = list[target];
    if (target < 0 || item === undefined) return false;
    handles.current.get(keyFor(item))?.();
    change(target);
    return true;
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      switch (event.key) {
        case 'ArrowDown':
        case 'PageDown':
        case 'j':
          event.preventDefault();
          go(1);
          break;
        case 'ArrowUp':
        case 'PageUp':
        case 'k':
          event.preventDefault();
          go(-1);
          break;
        case ' ':
          if (target?.tagName === 'BUTTON' || target?.tagName === 'A') return;
          event.preventDefault();
          state.current.onTogglePlay?.();
          break;
        default:
          break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const onTouchStart = (event: TouchEvent<HTMLDivElement>): void => {
    const touch = event.touches[0];
    if (event.touches.length !== 1 || !touch) {
      drag.current = null;
      return;
    }
    drag.current = { startX: touch.clientX, startY: touch.clientY, startT: performance.now(), dy: 0, axis: null };
    dragged.current = false;
  };

  const onTouchMove = (event: TouchEvent<HTMLDivElement>): void => {
    const current = drag.current;
    const touch = event.touches[0];
    if (!current || !touch) return;
    const dx = touch.clientX - current.startX;
    const dy = touch.clientY - current.startY;
    if (current.axis === null) {
      if (Math.abs(dx) < AXIS_LOCK_PX && Math.abs(dy) < AXIS_LOCK_PX) return;
      current.axis = Math.abs(dy) >= Math.abs(dx) ? 'y' : 'x';
    }
    if (current.axis !== 'y') return;
    dragged.current = true;
    current.dy = dy;
    const { index: at, items: list } = state.current;
    const pastEdge = (dy > 0 && at === 0) || (dy < 0 && at === list.length - 1);
    setOffset(pastEdge ? dy * 0.3 : dy, true);
  };

  const onTouchEnd = (): void => {
    const current = drag.current;
    drag.current = null;
    setOffset(0, false);
    if (dragged.current) suppressClickUntil.current = performance.now() + CLICK_AFTER_DRAG_MS;
    dragged.current = false;
    if (!current || current.axis !== 'y') return;
    const height = rootRef.current?.clientHeight ?? window.innerHeight;
    const speed = Math.abs(current.dy) / Math.max(1, performance.now() - current.startT);
    const far = Math.abs(current.dy) > height * COMMIT_SHARE;
    const flick = speed > FLICK_PX_PER_MS && Math.abs(current.dy) > FLICK_MIN_PX;
    if (far || flick) go(current.dy < 0 ? 1 : -1);
  };

  const onWheel = (event: WheelEvent<HTMLDivElement>): void => {
    const w = wheel.current;
    window.clearTimeout(w.timer);
    w.timer = window.setTimeout(() => {
      w.locked = false;
    }, WHEEL_QUIET_MS);
    if (w.locked || Math.abs(event.deltaY) < WHEEL_MIN_DELTA) return;
    w.locked = true;
    go(event.deltaY > 0 ? 1 : -1);
  };

  const slots: number[] = [];
  for (let i = Math.max(0, index - 1); i <= Math.min(items.length - 1, index + 1); i += 1) slots.push(i);

  return (
    <div
      ref={rootRef}
      className="pager"
      data-testid="pager"
      data-index={index}
      onTouchStart={onTouchStart}
      onTouchMove={onTouchMove}
      onTouchEnd={onTouchEnd}
      onTouchCancel={onTouchEnd}
      onWheel={onWheel}
      onClickCapture={(event) => {
        if (performance.now() > suppressClickUntil.current) return;
        suppressClickUntil.current = 0;
        event.stopPropagation();
        event.preventDefault();
      }}
    >
      {slots.map((i) => {
        const item = items[i] as T;
        const role: SlotRole = i === index ? 'active' : i < index ? 'prev' : 'next';
        const style = { '--pos': i - index } as CSSProperties;
        return (
          <section
            key={keyOf(item)}
            className="pager__slot"
            style={style}
            data-testid="pager-slot"
            data-role={role}
            data-slot-index={i}
            inert={role !== 'active'}
          >
            <SlotActivationContext.Provider value={activationFor(keyOf(item))}>{renderSlot(item, role, i)}</SlotActivationContext.Provider>
          </section>
        );
      })}
      {endNote && index === items.length - 1 && <div className="pager__end">{endNote}</div>}
    </div>
  );
}
