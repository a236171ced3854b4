import { useCallback, useEffect, useRef, useState, type CSSProperties, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { PlaybackPlacement } from '../api/types.ts';
import { formatMoney } from '../paywall/money.ts';
import { useSound } from '../viewer/sound.tsx';
import { trackCard } from './beacons.ts';
import { BagGlyph } from './glyphs.tsx';
import { sheetPlayback, type SheetPlayback } from './preferences.ts';
import { ProductSheet } from './product-sheet.tsx';
import './shop.css';

interface ShopLayerProps {
  videoRef: RefObject<HTMLVideoElement | null>;
  episodeId: string;
  /** From the playback answer; absent from an older server. */
  placements: PlaybackPlacement[] | undefined;
  /** On screen: only then are cards shown and counted. */
  active: boolean;
  /** The player's own play (sound as the viewer chose it). */
  onResume: () => void;
}

/** Where the video's frame lies inside the element (object-fit crops or letterboxes it). */
interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  clipW: number;
  clipH: number;
}

function frameOf(video: HTMLVideoElement): Frame | null {
  const ew = video.clientWidth;
  const eh = video.clientHeight;
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!ew || !eh || !vw || !vh) return null;
  const fit = getComputedStyle(video).objectFit;
  const scale = fit === 'cover' ? Math.max(ew / vw, eh / vh) : fit === 'fill' ? 0 : Math.min(ew / vw, eh / vh);
  const width = scale === 0 ? ew : vw * scale;
  const height = scale === 0 ? eh : vh * scale;
  return { left: (ew - width) / 2, top: (eh - height) / 2, width, height, clipW: ew, clipH: eh };
}

function hotspotStyle(box: NonNullable<PlaybackPlacement['box']>, frame: Frame): CSSProperties | null {
  const x0 = Math.max(0, frame.left + box.x * frame.width);
  const y0 = Math.max(0, frame.top + box.y * frame.height);
  const x1 = Math.min(frame.clipW, frame.left + (box.x + box.w) * frame.width);
  const y1 = Math.min(frame.clipH, frame.top + (box.y + box.h) * frame.height);
  // Entirely cropped away by the fit: no hotspot rather than a sliver at the edge.
  if (x1 - x0 < 12 || y1 - y0 < 12) return null;
  return { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

const msOf = (video: HTMLVideoElement | null): number => Math.max(0, Math.floor((video?.currentTime ?? 0) * 1000));

/**
 * The commerce stream over the drama: each placement's card while the episode is inside its time
 * range, its box as a hotspot, and the product sheet. Timing runs off timeupdate plus a frame loop
 * while playing (timeupdate alone fires only about four times a second).
 */
const NONE: PlaybackPlacement[] = [];

export function ShopLayer({ videoRef, episodeId, placements: given, active, onResume }: ShopLayerProps): ReactNode {
  const placements = given ?? NONE;
  const { t } = useTranslation();
  const sound = useSound();
  const [visible, setVisible] = useState<PlaybackPlacement[]>([]);
  const [open, setOpen] = useState<PlaybackPlacement | null>(null);
  const [frame, setFrame] = useState<Frame | null>(null);
  const shownKey = useRef('');
  // One impression per placement per playback (this layer lives as long as the playback).
  const seen = useRef(new Set<string>());
  const wasPlaying = useRef(false);

  useEffect(() => {
    const video = videoRef.current;
    if (!video || !active || placements.length === 0) {
      shownKey.current = '';
      setVisible([]);
      return;
    }
    const check = (): void => {
      const ms = video.currentTime * 1000;
      const now = placements.filter((p) => ms >= p.startMs && ms < p.endMs);
      const key = now.map((p) => p.id).join(',');
      if (key === shownKey.current) return;
      shownKey.current = key;
      setVisible(now);
      for (const p of now) {
        if (seen.current.has(p.id)) continue;
        seen.current.add(p.id);
        trackCard('card_impression', p.id, ms);
      }
    };
    let raf = 0;
    let interval = 0;
    const loop = (): void => {
      check();
      raf = requestAnimationFrame(loop);
    };
    const start = (): void => {
      if (!raf) raf = requestAnimationFrame(loop);
      // Frames are throttled in some power modes; the interval keeps the 250 ms promise there.
      if (!interval) interval = window.setInterval(check, 100);
    };
    const stop = (): void => {
      cancelAnimationFrame(raf);
      window.clearInterval(interval);
      raf = 0;
      interval = 0;
      check();
    };
    const events: [string, () => void][] = [
      ['timeupdate', check],
      ['seeked', check],
      ['playing', start],
      ['play', start],
      ['pause', stop],
      ['ended', stop],
    ];
    for (const [name, fn] of events) video.addEventListener(name, fn);
    if (!video.paused) start();
    check();
    return () => {
      for (const [name, fn] of events) video.removeEventListener(name, fn);
      cancelAnimationFrame(raf);
      window.clearInterval(interval);
    };
  }, [videoRef, active, placements]);

  const hasBoxes = placements.some((p) => p.box !== null);
  useEffect(() => {
    const video = videoRef.current;
    if (!video || !hasBoxes) return;
    const measure = (): void => setFrame(frameOf(video));
    measure();
    video.addEventListener('loadedmetadata', measure);
    video.addEventListener('resize', measure);
    const observer = new ResizeObserver(measure);
    observer.observe(video);
    return () => {
      video.removeEventListener('loadedmetadata', measure);
      video.removeEventListener('resize', measure);
      observer.disconnect();
    };
  }, [videoRef, hasBoxes]);

  const applyMode = useCallback(
    (mode: SheetPlayback): void => {
      const video = videoRef.current;
      if (!video) return;
      if (mode === 'pause') {
        video.pause();
      } else {
        video.muted = true;
        // Muted playback is always allowed, so no gesture dance here.
        if (wasPlaying.current && video.paused) void video.play().catch(() => undefined);
      }
    },
    [videoRef],
  );

  const openSheet = (placement: PlaybackPlacement): void => {
    const video = videoRef.current;
    wasPlaying.current = video ? !video.paused : false;
    trackCard('card_click', placement.id, msOf(video));
    setOpen(placement);
    applyMode(sheetPlayback());
  };

  const closeSheet = useCallback((): void => {
    setOpen(null);
    const video = videoRef.current;
    if (!video) return;
    video.muted = !sound.on;
    if (wasPlaying.current) onResume();
  }, [videoRef, sound.on, onResume]);

  // Swiped away with the sheet up: drop it without resuming a video that is no longer on screen.
  useEffect(() => {
    if (!active) setOpen(null);
  }, [active]);

  if (!active) return null;
  return (
    <>
      {!open &&
        frame &&
        visible.map((p) => {
          const style = p.box ? hotspotStyle(p.box, frame) : null;
          return style ? (
            <button
              key={`hot-${p.id}`}
              type="button"
              className="shop-hotspot"
              style={style}
              onClick={() => openSheet(p)}
              aria-label={p.product.title}
              data-testid="shop-hotspot"
              data-placement-id={p.id}
            />
          ) : null;
        })}
      {!open && visible.length > 0 && (
        <div className="shop-cards">
          {visible.slice(-2).map((p) => (
            <ShopCard key={p.id} placement={p} onOpen={() => openSheet(p)} />
          ))}
        </div>
      )}
      {open && (
        <ProductSheet
          placement={open}
          episodeId={episodeId}
          currentMs={() => msOf(videoRef.current)}
          onClose={closeSheet}
          onModeChange={applyMode}
          label={t(open.label === 'same' ? 'shop.card.same' : 'shop.card.similar')}
        />
      )}
    </>
  );
}

function ShopCard({ placement, onOpen }: { placement: PlaybackPlacement; onOpen: () => void }): ReactNode {
  const { t } = useTranslation();
  const { product } = placement;
  const [broken, setBroken] = useState(false);
  const varies = product.fromPriceMinor < product.priceMinor;
  const price = formatMoney(varies ? product.fromPriceMinor : product.priceMinor, product.currency);
  return (
    <button type="button" className="shop-card" onClick={onOpen} data-testid="shop-card" data-placement-id={placement.id} data-start-ms={placement.startMs}>
      <span className="shop-card__image">
        {product.image && !broken ? <img src={product.image} alt="" onError={() => setBroken(true)} /> : <BagGlyph size={26} />}
      </span>
      <span className="shop-card__body">
        <span className={`shop-card__label shop-card__label--${placement.label}`}>{t(placement.label === 'same' ? 'shop.card.same' : 'shop.card.similar')}</span>
        <span className="shop-card__title">{product.title}</span>
        <span className="shop-card__price" data-testid="shop-card-price">
          {varies ? t('shop.card.from', { price }) : price}
        </span>
      </span>
      <span className="shop-card__cta">{placement.cta || t('shop.card.cta')}</span>
    </button>
  );
}
