import { useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { endpoints } from '../api/endpoints.ts';
import type { Episode, Playback, Series } from '../api/types.ts';
import { ProgressBar } from './progress-bar.tsx';
import { useAccessVersion } from '../paywall/access-version.ts';
import { lockedFrom, type Locked } from '../paywall/locked.ts';
import { UnlockSheet } from '../paywall/unlock-sheet.tsx';
import { useSound } from './sound.tsx';
import { attachStream, type StreamHandle } from './stream.ts';
import { useProgressSaver } from './use-progress-saver.ts';
import { useActivateNow } from './slot-activation.ts';
import { PlayGlyph, SoundOffGlyph } from '../ui/icons.tsx';
import { ShopLayer } from '../shop/shop-layer.tsx';

/** active: on screen and playing; warm: the next one, preloading; parked: the previous one, paused. */
export type PlayerMode = 'active' | 'warm' | 'parked';

export interface PlayerControls {
  togglePlay(): void;
}

type Load =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready'; playback: Playback }
  | Locked
  | { kind: 'error'; message: string };

interface PlayerProps {
  series: Series;
  episode: Episode;
  mode: PlayerMode;
  prefetch: boolean;
  /** An explicit start (a "continue watching" link); otherwise the server's resume point. */
  startAtMs: number | null;
  controlsRef?: RefObject<PlayerControls | null>;
  onEnded: () => void;
}

const WARM_DELAY_MS = 400;
const TEARDOWN_DELAY_MS = 1000;

// A resume point this close to the end means the episode was finished: start it over.
const FINISHED_MARGIN_MS = 3000;

function startSec(startAtMs: number | null, playback: Playback, durationMs: number | null): number {
  const ms = startAtMs ?? playback.resumeAtMs;
  if (durationMs !== null && ms > durationMs - FINISHED_MARGIN_MS) return 0;
  return Math.max(0, ms) / 1000;
}

export function Player({ series, episode, mode, prefetch, startAtMs, controlsRef, onEnded }: PlayerProps): ReactNode {
  const { t } = useTranslation();
  const sound = useSound();
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<StreamHandle | null>(null);
  const modeRef = useRef(mode);
  modeRef.current = mode;
  const soundRef = useRef(sound);
  soundRef.current = sound;
  const onEndedRef = useRef(onEnded);
  onEndedRef.current = onEnded;

  const [load, setLoad] = useState<Load>({ kind: 'idle' });
  const [attempt, setAttempt] = useState(0);
  const [paused, setPaused] = useState(true);
  const [waiting, setWaiting] = useState(false);
  const [blocked, setBlocked] = useState(false);
  const [started, setStarted] = useState(false);
  const tokenRetries = useRef(0);

  const active = mode === 'active';
  // The next player waits a moment before loading, so it does not compete with this one's start.
  const [warmGate, setWarmGate] = useState(false);
  useEffect(() => {
    if (mode !== 'warm' || warmGate) return;
    const timer = window.setTimeout(() => setWarmGate(true), WARM_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [mode, warmGate]);
  const wanted = active || (mode === 'warm' && prefetch && warmGate) || (mode === 'parked' && load.kind !== 'idle');

  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (!wanted || loadRef.current.kind !== 'idle') return;
    const abort = new AbortController();
    let settled = false;
    setLoad({ kind: 'loading' });
    endpoints
      .playback(episode.id, abort.signal)
      .then((playback) => setLoad({ kind: 'ready', playback }))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setLoad(lockedFrom(error, episode.priceCoins) ?? { kind: 'error', message: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        settled = true;
      });
    return () => {
      if (settled) return;
      // Swiped past before the answer came: drop it, a later visit asks again.
      abort.abort();
      setLoad({ kind: 'idle' });
    };
  }, [wanted, episode.id, episode.priceCoins, attempt]);

  // Something was unlocked (here, in another slot, or a payment settled): a locked player asks again in
  // place, so the sheet stays up until the answer is in and then playback simply starts.
  const accessVersion = useAccessVersion();
  const seenAccessVersion = useRef(accessVersion);
  useEffect(() => {
    if (accessVersion === seenAccessVersion.current) return;
    seenAccessVersion.current = accessVersion;
    if (loadRef.current.kind !== 'locked') return;
    let live = true;
    endpoints.playback(episode.id).then(
      (answer) => live && setLoad({ kind: 'ready', playback: answer }),
      (error: unknown) => {
        if (live) setLoad(lockedFrom(error, episode.priceCoins) ?? { kind: 'error', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [accessVersion, episode.id, episode.priceCoins]);

  const play = useCallback((): void => {
    const video = videoRef.current;
    if (!video) return;
    video.muted = !soundRef.current.on;
    video.play().then(
      () => setBlocked(false),
      (error: unknown) => {
        if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') return;
        if (!video.muted) {
          // Sound was allowed on another element but not this one (iOS): play muted instead.
          soundRef.current.refused();
          video.muted = true;
          video.play().catch(() => setBlocked(true));
        } else {
          setBlocked(true);
        }
      },
    );
  }, []);

  const playback = load.kind === 'ready' ? load.playback : null;
  useEffect(() => {
    const video = videoRef.current;
    if (!video || !playback) return;
    const warm = modeRef.current !== 'active';
    const handle = attachStream(video, playback.hlsUrl, {
      startAtSec: startSec(startAtMs, playback, episode.durationMs),
      warm,
      onFatal: (reason, status) => {
        // Media tokens are short-lived: a player parked long enough needs a fresh one.
        if ((status === 403 || status === 410) && tokenRetries.current < 1) {
          tokenRetries.current += 1;
          setLoad({ kind: 'idle' });
          setAttempt((n) => n + 1);
          return;
        }
        setLoad({ kind: 'error', message: reason });
      },
    });
    streamRef.current = handle;
    if (!warm) {
      handle.activate();
      play();
    }
    return () => {
      streamRef.current = null;
      video.pause();
      // Tearing down MediaSource takes a while; not during the swipe that unmounted us.
      window.setTimeout(() => handle.destroy(), TEARDOWN_DELAY_MS);
    };
    // startAtMs and the duration are read once per stream on purpose: later changes must not restart playback.
  }, [playback, play]);

  const activateNow = useCallback((): void => {
    if (!streamRef.current) return;
    streamRef.current.activate();
    play();
  }, [play]);
  useActivateNow(activateNow);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    if (active) {
      if (streamRef.current) {
        streamRef.current.activate();
        play();
      }
    } else {
      video.pause();
    }
  }, [active, play]);

  useEffect(() => {
    const video = videoRef.current;
    if (video && active) video.muted = !sound.on;
  }, [sound.on, active]);

  useEffect(() => {
    if (!active || !controlsRef) return;
    controlsRef.current = {
      togglePlay: () => {
        const video = videoRef.current;
        if (!video) return;
        if (video.paused) play();
        else video.pause();
      },
    };
    return () => {
      controlsRef.current = null;
    };
  }, [active, controlsRef, play]);

  useEffect(() => {
    if (!active) return;
    // Like any feed app: leaving the tab pauses, coming back carries on.
    let resumeOnReturn = false;
    const onVisibility = (): void => {
      const video = videoRef.current;
      if (!video) return;
      if (document.visibilityState === 'hidden') {
        resumeOnReturn = !video.paused;
        video.pause();
      } else if (resumeOnReturn) {
        resumeOnReturn = false;
        play();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [active, play]);

  useProgressSaver(videoRef, episode.id, active && playback !== null);

  const onSurfaceClick = (): void => {
    const video = videoRef.current;
    if (!video || !active || !playback) return;
    if (!sound.on) {
      // Unmute inside the gesture handler itself: iOS only honours it there.
      sound.enable();
      video.muted = false;
      if (video.paused) play();
      return;
    }
    if (video.paused) play();
    else video.pause();
  };

  const poster = playback?.posterUrl ?? episode.posterUrl ?? undefined;
  return (
    <div className="player" data-testid="player" data-mode={mode} data-episode-id={episode.id}>
      <video
        ref={videoRef}
        className="player__video"
        data-testid="player-video"
        playsInline
        muted
        preload="auto"
        poster={poster}
        onPlay={() => setPaused(false)}
        onPlaying={() => {
          setWaiting(false);
          setStarted(true);
        }}
        onPause={() => setPaused(true)}
        onWaiting={() => setWaiting(true)}
        onCanPlay={() => setWaiting(false)}
        onEnded={() => {
          if (modeRef.current === 'active') onEndedRef.current();
        }}
      />
      <button type="button" className="player__surface" aria-label={paused ? t('player.play') : t('player.pause')} onClick={onSurfaceClick} />
      {load.kind === 'locked' && <UnlockSheet series={series} episode={episode} priceCoins={load.priceCoins} unlock={load.unlock} />}
      {load.kind === 'error' && (
        <div className="player__panel" role="alert">
          <p>{t('player.error')}</p>
          <button
            type="button"
            className="btn btn--ghost"
            onClick={() => {
              tokenRetries.current = 0;
              setLoad({ kind: 'idle' });
              setAttempt((n) => n + 1);
            }}
          >
            {t('common.retry')}
          </button>
        </div>
      )}
      {active && playback && (
        <>
          {!paused && (waiting || !started) && <div className="spinner player__spinner" aria-hidden />}
          {paused && started && !blocked && (
            <div className="player__center" aria-hidden>
              <PlayGlyph />
            </div>
          )}
          {blocked && (
            <button type="button" className="player__center player__center--button" onClick={onSurfaceClick} aria-label={t('player.play')}>
              <PlayGlyph />
            </button>
          )}
          {!sound.on && started && (
            <button type="button" className="sound-hint" onClick={onSurfaceClick} data-testid="sound-hint">
              <SoundOffGlyph /> {t('player.tapForSound')}
            </button>
          )}
          <ProgressBar
            videoRef={videoRef}
            active={active}
            thumbnailsVttUrl={playback.thumbnailsVttUrl}
            onSeek={(sec) => {
              const video = videoRef.current;
              if (video) video.currentTime = sec;
            }}
          />
        </>
      )}
      {active && load.kind === 'loading' && <div className="spinner player__spinner" aria-hidden />}
      {playback && <ShopLayer videoRef={videoRef} episodeId={episode.id} placements={playback.placements} active={active} onResume={play} />}
    </div>
  );
}
