import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { paywall, type AdUnlockStart, type AdUnlockState } from '../api/paywall.ts';
import { useIntentKeys } from './intent-key.ts';
import { Problem } from './problem.tsx';
import { useAccessChanged } from './use-paywall-actions.ts';

type Phase = { kind: 'playing' } | { kind: 'verifying' } | { kind: 'refused'; reason: string | null } | { kind: 'failed'; error: unknown };

const POLL_MS = 500;
const VERIFY_TIMEOUT_MS = 30_000;
const TICK_MS = 100;

/** The rewarded-ad button and, once started, the full-screen ad. The reward is granted by the ad network's callback only. */
export function AdUnlock({ episodeId, remainingToday }: { episodeId: string; remainingToday: number | null }): ReactNode {
  const { t } = useTranslation();
  const keys = useIntentKeys();
  const intent = `ad:${episodeId}`;
  const start = useMutation({
    mutationFn: () => paywall.startAd(episodeId, keys.key(intent)),
    onSuccess: () => keys.done(intent),
  });
  const [ad, setAd] = useState<AdUnlockStart | null>(null);
  const none = remainingToday !== null && remainingToday <= 0;
  return (
    <>
      <button
        type="button"
        className="btn btn--ghost btn--block"
        disabled={start.isPending || none}
        onClick={() => start.mutate(undefined, { onSuccess: setAd })}
        data-testid="watch-ad"
      >
        {t('paywall.watchAd')}
        {remainingToday !== null && <span className="btn__hint">{t('paywall.adsLeft', { count: remainingToday })}</span>}
      </button>
      <Problem error={start.error} testId="ad-error" />
      {ad && createPortal(<AdBreak ad={ad} onClose={() => setAd(null)} />, document.body)}
    </>
  );
}

function AdBreak({ ad, onClose }: { ad: AdUnlockStart; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const changed = useAccessChanged();
  const videoRef = useRef<HTMLVideoElement>(null);
  const [watchedMs, setWatchedMs] = useState(0);
  const [phase, setPhase] = useState<Phase>({ kind: 'playing' });
  const mediaBroken = useRef(false);
  const left = Math.max(0, ad.durationMs - watchedMs);

  // Counts what of the creative was actually shown (its own clock, across loops), so the countdown matches
  // the clip; wall time only if it cannot play at all.
  useEffect(() => {
    if (phase.kind !== 'playing') return;
    let lastWall = performance.now();
    let lastMedia = 0;
    const timer = window.setInterval(() => {
      const now = performance.now();
      const video = videoRef.current;
      let step = 0;
      if (mediaBroken.current) {
        step = now - lastWall;
      } else if (video) {
        const position = video.currentTime * 1000;
        step = position >= lastMedia ? position - lastMedia : position; // looped back to the start
        lastMedia = position;
      }
      lastWall = now;
      // A seek would jump the clock; a tick never covers more than a few hundred ms of playback.
      if (step > 0 && step < 1000) setWatchedMs((ms) => ms + step);
    }, TICK_MS);
    return () => window.clearInterval(timer);
  }, [phase.kind]);

  const finished = left <= 0;
  useEffect(() => {
    if (finished && phase.kind === 'playing') {
      videoRef.current?.pause();
      setPhase({ kind: 'verifying' });
    }
  }, [finished, phase.kind]);

  const after = useRef({ changed, onClose });
  after.current = { changed, onClose };
  useEffect(() => {
    if (phase.kind !== 'verifying') return;
    let live = true;
    void (async () => {
      try {
        try {
          await paywall.completeAd(ad.completeUrl);
        } catch (error) {
          // The network measures the view itself; if our count ran ahead of its clock, wait out the rest once.
          const remaining = isApiError(error, 'INVALID_STATE') ? error.extra.remainingMs : undefined;
          if (typeof remaining !== 'number') throw error;
          await new Promise((resolve) => window.setTimeout(resolve, remaining + 100));
          await paywall.completeAd(ad.completeUrl);
        }
        const deadline = Date.now() + VERIFY_TIMEOUT_MS;
        let state: AdUnlockState = await paywall.adUnlock(ad.adUnlockId);
        while (state.status === 'watching' && Date.now() < deadline && live) {
          await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
          state = await paywall.adUnlock(ad.adUnlockId);
        }
        if (!live) return;
        if (state.status === 'granted') {
          after.current.changed();
          after.current.onClose();
        } else {
          setPhase({ kind: 'refused', reason: state.reason });
        }
      } catch (error) {
        if (live) setPhase({ kind: 'failed', error });
      }
    })();
    return () => {
      live = false;
    };
  }, [phase.kind, ad]);

  const play = (): void => {
    const video = videoRef.current;
    if (!video) return;
    video.play().catch(() => {
      video.muted = true;
      video.play().catch(() => undefined);
    });
  };

  return (
    <div className="ad-break" role="dialog" aria-modal="true" aria-label={t('paywall.adTitle')} data-testid="ad-break">
      <video
        ref={videoRef}
        className="ad-break__video"
        src={ad.creativeUrl}
        autoPlay
        loop
        playsInline
        onCanPlay={play}
        onError={() => {
          mediaBroken.current = true;
        }}
        data-testid="ad-video"
      />
      <div className="ad-break__top">
        <span className="chip">{t('paywall.adLabel')}</span>
        {phase.kind === 'playing' && (
          <span className="ad-break__count" data-testid="ad-countdown">
            {t('paywall.adCountdown', { count: Math.ceil(left / 1000) })}
          </span>
        )}
      </div>
      {phase.kind === 'verifying' && (
        <div className="ad-break__panel">
          <span className="spinner" aria-hidden />
          <p>{t('paywall.adVerifying')}</p>
        </div>
      )}
      {(phase.kind === 'refused' || phase.kind === 'failed') && (
        <div className="ad-break__panel" role="alert" data-testid="ad-refused">
          {phase.kind === 'refused' ? (
            <div className="problem">
              <strong>{t('paywall.adRefused')}</strong>
              {phase.reason && <span>{phase.reason}</span>}
            </div>
          ) : (
            <Problem error={phase.error} />
          )}
          <button type="button" className="btn btn--secondary" onClick={onClose}>
            {t('common.back')}
          </button>
        </div>
      )}
    </div>
  );
}
