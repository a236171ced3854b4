import { useEffect, useRef, useState, type PointerEvent, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { cueAt, loadThumbnails, type ThumbnailCue } from './thumbnails.ts';
import { formatClock } from '../lib/format.ts';

interface ProgressBarProps {
  videoRef: RefObject<HTMLVideoElement | null>;
  active: boolean;
  thumbnailsVttUrl: string | null;
  onSeek: (sec: number) => void;
}

interface Scrub {
  sec: number;
  fraction: number;
}

/**
 * A thin seek bar: drawn from requestAnimationFrame (not React state) so it moves smoothly
 * without re-rendering the player sixty times a second.
 */
export function ProgressBar({ videoRef, active, thumbnailsVttUrl, onSeek }: ProgressBarProps): ReactNode {
  const { t } = useTranslation();
  const trackRef = useRef<HTMLDivElement>(null);
  const fillRef = useRef<HTMLDivElement>(null);
  const [scrub, setScrub] = useState<Scrub | null>(null);
  const [cues, setCues] = useState<ThumbnailCue[]>([]);

  useEffect(() => {
    if (!active) return;
    let frame = 0;
    const draw = (): void => {
      const video = videoRef.current;
      const fill = fillRef.current;
      if (video && fill && !scrub) {
        const fraction = video.duration > 0 && Number.isFinite(video.duration) ? video.currentTime / video.duration : 0;
        fill.style.transform = `scaleX(${Math.min(1, Math.max(0, fraction))})`;
      }
      frame = requestAnimationFrame(draw);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, [active, videoRef, scrub]);

  useEffect(() => {
    if (!active || !thumbnailsVttUrl) return;
    let live = true;
    void loadThumbnails(thumbnailsVttUrl).then((loaded) => {
      if (live) setCues(loaded);
    });
    return () => {
      live = false;
    };
  }, [active, thumbnailsVttUrl]);

  const scrubAt = (clientX: number): Scrub | null => {
    const track = trackRef.current;
    const video = videoRef.current;
    if (!track || !video || !(video.duration > 0) || !Number.isFinite(video.duration)) return null;
    const box = track.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    return { fraction, sec: fraction * video.duration };
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>): void => {
    event.stopPropagation();
    const next = scrubAt(event.clientX);
    if (!next) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    setScrub(next);
    if (fillRef.current) fillRef.current.style.transform = `scaleX(${next.fraction})`;
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>): void => {
    if (!scrub) return;
    const next = scrubAt(event.clientX);
    if (!next) return;
    setScrub(next);
    if (fillRef.current) fillRef.current.style.transform = `scaleX(${next.fraction})`;
  };
  const finish = (event: PointerEvent<HTMLDivElement>): void => {
    event.stopPropagation();
    if (!scrub) return;
    onSeek(scrub.sec);
    setScrub(null);
  };

  const cue = scrub ? cueAt(cues, scrub.sec) : null;
  return (
    <div
      className={`seekbar${scrub ? ' seekbar--scrubbing' : ''}`}
      role="slider"
      aria-label={t('player.seek')}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={scrub ? Math.round(scrub.fraction * 100) : undefined}
      tabIndex={-1}
      data-testid="seekbar"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={finish}
      onPointerCancel={() => setScrub(null)}
      onClick={(event) => event.stopPropagation()}
      onTouchStart={(event) => event.stopPropagation()}
      onTouchMove={(event) => event.stopPropagation()}
      onTouchEnd={(event) => event.stopPropagation()}
    >
      {scrub && (
        <div className="seekbar__preview" style={{ left: `${scrub.fraction * 100}%` }}>
          {cue && (
            <div
              className="seekbar__thumb"
              style={{
                width: cue.w,
                height: cue.h,
                backgroundImage: `url("${cue.url}")`,
                backgroundPosition: `-${cue.x}px -${cue.y}px`,
              }}
            />
          )}
          <span className="seekbar__time">
            {formatClock(scrub.sec)} / {formatClock(videoRef.current?.duration ?? 0)}
          </span>
        </div>
      )}
      <div className="seekbar__track" ref={trackRef}>
        <div className="seekbar__fill" ref={fillRef} />
      </div>
    </div>
  );
}
