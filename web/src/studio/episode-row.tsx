import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { keys } from '../api/queries.ts';
import type { AssetStatus, Episode } from '../api/types.ts';
import { formatDurationMs } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { PriceCell } from './price-cell.tsx';
import { forgetUpload, pauseUpload, resumeUpload, startUpload, useUpload, type UploadState } from './uploads.ts';

const FINAL: AssetStatus[] = ['ready', 'failed', 'rejected'];
const VIDEO_TYPES = 'video/mp4,video/quicktime,video/webm,video/x-matroska,.mp4,.mov,.webm,.mkv';

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

export function EpisodeRow({ episode, onChanged }: { episode: Episode; onChanged: () => void }): ReactNode {
  const { t } = useTranslation();
  const upload = useUpload(episode.id);
  const uploadDone = upload?.phase === 'done';
  const watching = episode.mediaStatus === 'processing' || (uploadDone && episode.mediaStatus !== 'ready');
  const media = useQuery({
    queryKey: keys.media(episode.id),
    queryFn: () => endpoints.media(episode.id),
    enabled: watching || episode.mediaStatus === 'failed',
    refetchInterval: (query) => (query.state.data && FINAL.includes(query.state.data.status) ? false : 1000),
  });
  const mediaStatus = media.data?.status;
  const onChangedRef = useRef(onChanged);
  onChangedRef.current = onChanged;
  useEffect(() => {
    // The catalog learns the outcome from the media module; refresh the row once it is final.
    if (mediaStatus && FINAL.includes(mediaStatus) && watching) onChangedRef.current();
  }, [mediaStatus, watching]);
  useEffect(() => {
    if (uploadDone && (mediaStatus === 'ready' || mediaStatus === 'failed' || mediaStatus === 'rejected')) forgetUpload(episode.id);
  }, [uploadDone, mediaStatus, episode.id]);

  const publish = useMutation({ mutationFn: () => endpoints.publishEpisode(episode.id), onSuccess: onChanged });
  const pick = (file: File): void => {
    void startUpload(episode.id, file, onChanged);
  };

  let mediaCell: ReactNode;
  if (upload && upload.phase !== 'done') {
    mediaCell = <UploadProgress episodeId={episode.id} state={upload} onPick={pick} />;
  } else if (media.data && !FINAL.includes(media.data.status)) {
    mediaCell = (
      <div className="meter" data-testid="transcode-progress">
        <div className="meter__label">
          <span>{t(`media.${media.data.status}`)}</span>
          <span>{Math.round(media.data.progress)}%</span>
        </div>
        <progress className="meter__bar meter__bar--transcode" max={100} value={media.data.progress} />
      </div>
    );
  } else if (uploadDone && !media.data) {
    mediaCell = <span className="muted">{t('media.queued')}</span>;
  } else if (episode.mediaStatus === 'failed' || media.data?.status === 'failed' || media.data?.status === 'rejected') {
    mediaCell = (
      <div className="media-failed" data-testid="media-failed">
        <span className="status status--failed">{t(`media.${media.data?.status ?? 'failed'}`)}</span>
        {media.data?.failureReason && <span className="media-failed__reason">{media.data.failureReason}</span>}
        <FilePicker label={t('studio.uploadAgain')} onPick={pick} />
      </div>
    );
  } else if (episode.mediaStatus === 'ready' || media.data?.status === 'ready') {
    mediaCell = (
      <span className="status status--ready" data-testid="media-ready">
        {t('media.ready')} {formatDurationMs(episode.durationMs ?? media.data?.durationMs ?? null)}
      </span>
    );
  } else {
    mediaCell = <FilePicker label={t('studio.uploadVideo')} onPick={pick} primary />;
  }

  const ready = episode.mediaStatus === 'ready' || media.data?.status === 'ready';
  return (
    <div className="episode-table__row" role="row" data-testid="studio-episode" data-episode-id={episode.id}>
      <span role="cell" className="episode-table__number">
        {episode.number}
      </span>
      <span role="cell" className="episode-table__title">
        {episode.title}
      </span>
      <span role="cell">
        <PriceCell key={episode.priceCoins} episode={episode} onChanged={onChanged} />
      </span>
      <span role="cell">
        <span className={`status status--${episode.status}`}>{t(`status.${episode.status}`)}</span>
      </span>
      <span role="cell" className="episode-table__media">
        {mediaCell}
      </span>
      <span role="cell" className="episode-table__actions">
        {episode.status === 'draft' && episode.publishWhenReady && !ready ? (
          <span className="muted episode-table__auto">{t('studio.autoPublish')}</span>
        ) : episode.status === 'draft' ? (
          <button
            type="button"
            className="btn btn--small btn--primary"
            disabled={!ready || publish.isPending}
            onClick={() => publish.mutate()}
            title={ready ? undefined : t('studio.publishNeedsMedia')}
            data-testid="publish-episode"
          >
            {t('studio.publish')}
          </button>
        ) : (
          <Link className="btn btn--small btn--ghost" to={`/watch/${episode.id}`}>
            {t('studio.watch')}
          </Link>
        )}
        {ready && (
          <Link className="link-button" to={`/studio/episodes/${episode.id}/placements`} data-testid="open-placements">
            {t('placements.open')}
          </Link>
        )}
        {publish.isError && (
          <span className="form__error">
            {isApiError(publish.error, 'EPISODE_NOT_READY') ? t('studio.publishNeedsMedia') : t('common.failed')}
          </span>
        )}
      </span>
    </div>
  );
}

function FilePicker({ label, onPick, primary }: { label: string; onPick: (file: File) => void; primary?: boolean }): ReactNode {
  return (
    <label className={`btn btn--small ${primary ? 'btn--secondary' : 'btn--ghost'}`}>
      {label}
      <input
        type="file"
        accept={VIDEO_TYPES}
        hidden
        data-testid="video-file"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) onPick(file);
        }}
      />
    </label>
  );
}

function UploadProgress({ episodeId, state, onPick }: { episodeId: string; state: UploadState; onPick: (file: File) => void }): ReactNode {
  const { t } = useTranslation();
  const percent = state.bytesTotal > 0 ? Math.floor((state.bytesSent / state.bytesTotal) * 100) : 0;
  return (
    <div className="meter" data-testid="upload-progress">
      <div className="meter__label">
        <span className="meter__file">{state.fileName}</span>
        <span>
          {percent}% · {mib(state.bytesSent)}/{mib(state.bytesTotal)} MB
        </span>
      </div>
      <progress className="meter__bar" max={100} value={percent} />
      <div className="meter__actions">
        {state.phase === 'uploading' && (
          <button type="button" className="link-button" onClick={() => pauseUpload(episodeId)}>
            {t('upload.pause')}
          </button>
        )}
        {state.phase === 'paused' && (
          <button type="button" className="link-button" onClick={() => resumeUpload(episodeId)}>
            {t('upload.resume')}
          </button>
        )}
        {state.phase === 'error' && (
          <>
            <span className="form__error">{state.error ?? t('common.failed')}</span>
            {state.fatal ? (
              <FilePicker label={t('studio.uploadAgain')} onPick={onPick} />
            ) : (
              <button type="button" className="link-button" onClick={() => resumeUpload(episodeId)} data-testid="upload-retry">
                {t('upload.retry')}
              </button>
            )}
          </>
        )}
        {state.phase !== 'uploading' && (
          <button type="button" className="link-button link-button--muted" onClick={() => forgetUpload(episodeId)}>
            {t('upload.cancel')}
          </button>
        )}
      </div>
    </div>
  );
}
