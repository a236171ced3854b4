import { forwardRef, useEffect, useImperativeHandle, useRef, useState, type PointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { endpoints } from '../../api/endpoints.ts';
import type { Box, Placement } from '../../api/merchant.ts';
import { attachStream, type StreamHandle } from '../../viewer/stream.ts';
import { formatMs, tidyBox } from './snap.ts';

export interface VideoStageHandle {
  seek(ms: number): void;
  pause(): void;
}

interface VideoStageProps {
  episodeId: string;
  aspect: number;
  box: Box | null;
  placements: Placement[];
  editingId: string | null;
  onTime: (ms: number) => void;
  onBox: (box: Box) => void;
}

// Smaller than this (fraction of the frame) is a stray click, not a box.
const MIN_BOX = 0.02;

/**
 * The episode through the normal playback route (the studio owns it), with a layer on top where
 * the producer draws the product's box on the paused frame. Boxes are fractions of the frame.
 */
export const VideoStage = forwardRef<VideoStageHandle, VideoStageProps>(function VideoStage({ episodeId, aspect, box, placements, editingId, onTime, onBox }, ref) {
  const { t } = useTranslation();
  const videoRef = useRef<HTMLVideoElement>(null);
  const layerRef = useRef<HTMLDivElement>(null);
  const [paused, setPaused] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [ms, setMs] = useState(0);
  const [drawing, setDrawing] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const onTimeRef = useRef(onTime);
  onTimeRef.current = onTime;

  useImperativeHandle(ref, () => ({
    seek(target: number) {
      const video = videoRef.current;
      if (!video) return;
      video.currentTime = target / 1000;
      setMs(target);
      onTimeRef.current(target);
    },
    pause() {
      videoRef.current?.pause();
    },
  }));

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let stream: StreamHandle | null = null;
    let live = true;
    endpoints.playback(episodeId).then(
      (playback) => {
        if (!live) return;
        stream = attachStream(video, playback.hlsUrl, { startAtSec: 0, warm: false, onFatal: (reason) => setError(reason) });
      },
      (problem: unknown) => live && setError(problem instanceof Error ? problem.message : String(problem)),
    );
    return () => {
      live = false;
      stream?.destroy();
    };
  }, [episodeId]);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let frame = 0;
    const tick = (): void => {
      const now = Math.round(video.currentTime * 1000);
      setMs(now);
      onTimeRef.current(now);
      if (!video.paused) frame = requestAnimationFrame(tick);
    };
    const onPlay = (): void => {
      setPaused(false);
      frame = requestAnimationFrame(tick);
    };
    const onPause = (): void => {
      setPaused(true);
      cancelAnimationFrame(frame);
      tick();
    };
    video.addEventListener('play', onPlay);
    video.addEventListener('pause', onPause);
    video.addEventListener('seeked', tick);
    return () => {
      cancelAnimationFrame(frame);
      video.removeEventListener('play', onPlay);
      video.removeEventListener('pause', onPause);
      video.removeEventListener('seeked', tick);
    };
  }, []);

  const at = (event: PointerEvent<HTMLDivElement>): { x: number; y: number } => {
    const rect = layerRef.current?.getBoundingClientRect();
    if (!rect) return { x: 0, y: 0 };
    return { x: (event.clientX - rect.left) / rect.width, y: (event.clientY - rect.top) / rect.height };
  };

  const down = (event: PointerEvent<HTMLDivElement>): void => {
    if (!paused || event.button !== 0) return;
    event.preventDefault();
    layerRef.current?.setPointerCapture(event.pointerId);
    const p = at(event);
    setDrawing({ x0: p.x, y0: p.y, x1: p.x, y1: p.y });
  };
  const move = (event: PointerEvent<HTMLDivElement>): void => {
    if (!drawing) return;
    const p = at(event);
    setDrawing({ ...drawing, x1: p.x, y1: p.y });
  };
  const up = (): void => {
    if (!drawing) return;
    const made = tidyBox(drawing.x0, drawing.y0, drawing.x1, drawing.y1);
    setDrawing(null);
    if (made.w >= MIN_BOX && made.h >= MIN_BOX) onBox(made);
  };

  const shown = drawing ? tidyBox(drawing.x0, drawing.y0, drawing.x1, drawing.y1) : box;
  const others = placements.filter((p) => p.id !== editingId && p.box && ms >= p.startMs && ms < p.endMs);
  const style = (b: Box) => ({ left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.w * 100}%`, height: `${b.h * 100}%` });

  return (
    <div className="video-stage">
      <div className="video-stage__frame" style={{ aspectRatio: String(aspect) }}>
        <video ref={videoRef} className="video-stage__video" playsInline preload="auto" data-testid="editor-video" />
        <div
          ref={layerRef}
          className={`video-stage__layer${paused ? ' video-stage__layer--draw' : ''}`}
          data-testid="box-layer"
          onPointerDown={down}
          onPointerMove={move}
          onPointerUp={up}
          onPointerCancel={() => setDrawing(null)}
        >
          {others.map((p) => p.box && <span key={p.id} className="video-stage__box video-stage__box--other" style={style(p.box)} />)}
          {shown && <span className="video-stage__box" data-testid="draft-box" style={style(shown)} />}
        </div>
      </div>
      <div className="video-stage__controls">
        <button
          type="button"
          className="btn btn--small btn--ghost"
          data-testid="editor-play"
          onClick={() => {
            const video = videoRef.current;
            if (!video) return;
            if (video.paused) void video.play().catch(() => undefined);
            else video.pause();
          }}
        >
          {paused ? t('player.play') : t('player.pause')}
        </button>
        <span className="video-stage__time" data-testid="editor-time">
          {formatMs(ms)}
        </span>
        <span className="muted merchant-small">{paused ? t('placements.drawHint') : t('placements.pauseToDraw')}</span>
      </div>
      {error && <p className="form__error">{t('player.error')}</p>}
    </div>
  );
});
