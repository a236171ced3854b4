import Hls, { type ErrorData } from 'hls.js';

/**
 * Attaches an HLS stream to a <video>. A "warm" stream loads the playlist and only its first
 * few seconds, so a player waiting off-screen costs little but starts at once when shown.
 */

// Enough for the first frame and a second or two of play; episodes are 1-3 min.
const WARM_BUFFER_S = 3;
const ACTIVE_BUFFER_S = 30;
const ACTIVE_MAX_BUFFER_S = 60;

export interface StreamHandle {
  /** Lifts the warm-up buffer cap: the stream is now on screen. */
  activate(): void;
  destroy(): void;
}

export interface StreamOptions {
  startAtSec: number;
  warm: boolean;
  /** Called once the stream cannot continue (network gone, token expired, bad media). */
  onFatal(reason: string, httpStatus: number | null): void;
}

function statusOf(data: ErrorData): number | null {
  const code = data.response?.code;
  return typeof code === 'number' && code > 0 ? code : null;
}

export function canPlayHls(): boolean {
  return Hls.isSupported() || document.createElement('video').canPlayType('application/vnd.apple.mpegurl') !== '';
}

function attachWithHlsJs(video: HTMLVideoElement, url: string, options: StreamOptions): StreamHandle {
  const hls = new Hls({
    autoStartLoad: true,
    startPosition: options.startAtSec > 0 ? options.startAtSec : -1,
    maxBufferLength: options.warm ? WARM_BUFFER_S : ACTIVE_BUFFER_S,
    maxMaxBufferLength: options.warm ? WARM_BUFFER_S + 1 : ACTIVE_MAX_BUFFER_S,
    backBufferLength: 20,
    capLevelToPlayerSize: true,
    startFragPrefetch: true,
  });
  let mediaRecoveries = 0;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
      mediaRecoveries += 1;
      hls.recoverMediaError();
      return;
    }
    options.onFatal(`${data.type}: ${data.details}`, statusOf(data));
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return {
    activate() {
      hls.config.maxBufferLength = ACTIVE_BUFFER_S;
      hls.config.maxMaxBufferLength = ACTIVE_MAX_BUFFER_S;
    },
    destroy() {
      hls.destroy();
    },
  };
}

function attachNatively(video: HTMLVideoElement, url: string, options: StreamOptions): StreamHandle {
  const seekToStart = (): void => {
    if (options.startAtSec > 0) video.currentTime = options.startAtSec;
  };
  const onError = (): void => options.onFatal(`media error ${video.error?.code ?? '?'}`, null);
  video.addEventListener('loadedmetadata', seekToStart, { once: true });
  video.addEventListener('error', onError);
  // Safari fetches far more than a few seconds with preload=auto; metadata is enough for warm players.
  video.preload = options.warm ? 'metadata' : 'auto';
  video.src = url;
  return {
    activate() {
      video.preload = 'auto';
    },
    destroy() {
      video.removeEventListener('loadedmetadata', seekToStart);
      video.removeEventListener('error', onError);
      video.removeAttribute('src');
      video.load();
    },
  };
}

/**
 * hls.js whenever Media Source Extensions exist: it is what lets a warm player cap its buffer
 * (some Chromium builds now also answer canPlayType for HLS, without that control).
 * Native HLS otherwise (iOS Safari without MSE).
 */
export function attachStream(video: HTMLVideoElement, url: string, options: StreamOptions): StreamHandle {
  if (Hls.isSupported()) return attachWithHlsJs(video, url, options);
  return attachNatively(video, url, options);
}
