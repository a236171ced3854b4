import { useRef, useState, type PointerEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Placement } from '../../api/merchant.ts';
import { formatMs, snapMs } from './snap.ts';

export interface Range {
  startMs: number;
  endMs: number;
}

interface TimelineProps {
  durationMs: number;
  cuts: readonly number[];
  currentMs: number;
  range: Range | null;
  placements: Placement[];
  editingId: string | null;
  onSeek: (ms: number) => void;
  onRange: (range: Range) => void;
}

type Drag = { kind: 'new'; fromX: number; fromMs: number; moved: boolean } | { kind: 'start' | 'end' };

// Below this many pixels a press is a click (seek), not a drag.
const DRAG_PX = 4;
// The smallest range a drag makes, so start and end never collapse onto one cut.
const MIN_RANGE_MS = 100;

/**
 * The scrubber: scene cuts as ticks, placements as bars, the range being edited with two handles.
 * A click seeks; a drag draws a new range; dragging a handle moves that end. Ends snap to cuts.
 */
export function Timeline({ durationMs, cuts, currentMs, range, placements, editingId, onSeek, onRange }: TimelineProps): ReactNode {
  const { t } = useTranslation();
  const trackRef = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const [snappedTo, setSnappedTo] = useState<{ start: number | null; end: number | null }>({ start: null, end: null });

  const msAt = (clientX: number): number => {
    const box = trackRef.current?.getBoundingClientRect();
    if (!box || box.width === 0) return 0;
    return ((clientX - box.left) / box.width) * durationMs;
  };
  const pct = (ms: number): string => `${(Math.min(durationMs, Math.max(0, ms)) / durationMs) * 100}%`;

  const apply = (a: number, b: number): void => {
    const lo = snapMs(Math.min(a, b), cuts, durationMs);
    const hi = snapMs(Math.max(a, b), cuts, durationMs);
    if (hi.ms - lo.ms < MIN_RANGE_MS) return;
    setSnappedTo({ start: lo.cut, end: hi.cut });
    onRange({ startMs: lo.ms, endMs: hi.ms });
  };

  const down = (event: PointerEvent<HTMLElement>, kind: Drag['kind']): void => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    trackRef.current?.setPointerCapture(event.pointerId);
    drag.current = kind === 'new' ? { kind, fromX: event.clientX, fromMs: msAt(event.clientX), moved: false } : { kind };
  };

  const move = (event: PointerEvent<HTMLDivElement>): void => {
    const current = drag.current;
    if (!current) return;
    const ms = msAt(event.clientX);
    switch (current.kind) {
      case 'new':
        if (!current.moved && Math.abs(event.clientX - current.fromX) < DRAG_PX) return;
        current.moved = true;
        apply(current.fromMs, ms);
        break;
      case 'start':
        if (range) apply(ms, range.endMs);
        break;
      case 'end':
        if (range) apply(range.startMs, ms);
        break;
      default: {
        const unreachable: never = current;
        throw new Error(`unknown drag ${JSON.stringify(unreachable)}`);
      }
    }
  };

  const up = (event: PointerEvent<HTMLDivElement>): void => {
    const current = drag.current;
    drag.current = null;
    if (trackRef.current?.hasPointerCapture(event.pointerId)) trackRef.current.releasePointerCapture(event.pointerId);
    if (current?.kind === 'new' && !current.moved) onSeek(Math.round(Math.min(durationMs, Math.max(0, current.fromMs))));
  };

  const seconds = Math.floor(durationMs / 1000);
  const step = seconds > 120 ? 15 : seconds > 40 ? 5 : seconds > 10 ? 2 : 1;
  const labels = Array.from({ length: Math.floor(seconds / step) + 1 }, (_, i) => i * step * 1000);

  return (
    <div className="timeline" data-testid="timeline" data-duration-ms={durationMs}>
      <div className="timeline__lanes">
        {placements.map((placement) => (
          <span
            key={placement.id}
            className={`timeline__placement${placement.id === editingId ? ' timeline__placement--editing' : ''}${placement.live ? '' : ' timeline__placement--off'}`}
            style={{ left: pct(placement.startMs), width: `calc(${pct(placement.endMs)} - ${pct(placement.startMs)})` }}
            title={`${placement.product?.title ?? placement.productId} · ${formatMs(placement.startMs)}–${formatMs(placement.endMs)}`}
          />
        ))}
      </div>
      <div
        ref={trackRef}
        className="timeline__track"
        data-testid="timeline-track"
        role="slider"
        aria-label={t('placements.timeline')}
        aria-valuemin={0}
        aria-valuemax={durationMs}
        aria-valuenow={Math.round(currentMs)}
        aria-valuetext={formatMs(currentMs)}
        tabIndex={0}
        onPointerDown={(e) => down(e, 'new')}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={up}
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') onSeek(Math.min(durationMs, Math.round(currentMs + 100)));
          if (e.key === 'ArrowLeft') onSeek(Math.max(0, Math.round(currentMs - 100)));
        }}
      >
        {cuts.map((cut) => (
          <span key={cut} className="timeline__cut" style={{ left: pct(cut) }} data-testid="scene-cut" data-ms={cut} title={`${t('placements.sceneCut')} ${formatMs(cut)}`} />
        ))}
        {range && (
          <span className="timeline__range" data-testid="timeline-range" data-start-ms={range.startMs} data-end-ms={range.endMs} style={{ left: pct(range.startMs), width: `calc(${pct(range.endMs)} - ${pct(range.startMs)})` }}>
            <span
              className={`timeline__handle timeline__handle--start${snappedTo.start !== null ? ' timeline__handle--snapped' : ''}`}
              data-testid="range-start"
              onPointerDown={(e) => down(e, 'start')}
            />
            <span
              className={`timeline__handle timeline__handle--end${snappedTo.end !== null ? ' timeline__handle--snapped' : ''}`}
              data-testid="range-end"
              onPointerDown={(e) => down(e, 'end')}
            />
          </span>
        )}
        <span className="timeline__playhead" style={{ left: pct(currentMs) }} />
      </div>
      <div className="timeline__scale" aria-hidden="true">
        {labels.map((ms) => (
          <span key={ms} style={{ left: pct(ms) }}>
            {Math.round(ms / 1000)}s
          </span>
        ))}
      </div>
      <p className="muted timeline__hint">
        {range ? t('placements.rangeIs', { start: formatMs(range.startMs), end: formatMs(range.endMs) }) : t('placements.dragHint')}
        {range && (snappedTo.start !== null || snappedTo.end !== null) && <span className="timeline__snapped"> · {t('placements.snapped')}</span>}
      </p>
    </div>
  );
}
