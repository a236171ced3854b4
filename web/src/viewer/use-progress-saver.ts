import { useEffect, type RefObject } from 'react';
import { endpoints } from '../api/endpoints.ts';

// The contract asks for at most 5 s between saves; a little under leaves room for timer drift.
const SAVE_EVERY_MS = 4000;

/**
 * Saves the watch position while a player is on screen: periodically while playing, on pause,
 * at the end, when it leaves the screen, and when the page is hidden or unloaded (keepalive,
 * so the request survives the page).
 */
export function useProgressSaver(videoRef: RefObject<HTMLVideoElement | null>, episodeId: string, active: boolean): void {
  useEffect(() => {
    const video = videoRef.current;
    if (!active || !video) return;
    // Tracked from events, because tearing the stream down resets currentTime before our cleanup runs.
    let positionMs = Math.round(video.currentTime * 1000);
    let durationMs: number | null = null;
    let lastSavedMs = -1;
    const track = (): void => {
      if (video.seeking || !Number.isFinite(video.currentTime)) return;
      positionMs = Math.round(video.currentTime * 1000);
      if (Number.isFinite(video.duration) && video.duration > 0) durationMs = Math.round(video.duration * 1000);
    };
    const save = (keepalive: boolean): void => {
      track();
      if (positionMs <= 0 || positionMs === lastSavedMs) return;
      lastSavedMs = positionMs;
      endpoints.saveProgress(episodeId, positionMs, durationMs, keepalive).catch(() => {
        lastSavedMs = -1;
      });
    };
    const onPause = (): void => save(false);
    const onEnded = (): void => {
      if (durationMs !== null) positionMs = durationMs;
      save(false);
    };
    const onPageHide = (): void => save(true);
    const onVisibility = (): void => {
      if (document.visibilityState === 'hidden') save(true);
    };
    const timer = window.setInterval(() => {
      if (!video.paused) save(false);
    }, SAVE_EVERY_MS);
    video.addEventListener('timeupdate', track);
    video.addEventListener('pause', onPause);
    video.addEventListener('ended', onEnded);
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.clearInterval(timer);
      video.removeEventListener('timeupdate', track);
      video.removeEventListener('pause', onPause);
      video.removeEventListener('ended', onEnded);
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onVisibility);
      // Leaving the screen (swipe, navigation): the request must outlive this component.
      save(true);
    };
  }, [videoRef, episodeId, active]);
}
