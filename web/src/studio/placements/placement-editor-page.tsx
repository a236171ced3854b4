import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/client.ts';
import { endpoints } from '../../api/endpoints.ts';
import { merchantApi, merchantKeys, type Box, type Placement } from '../../api/merchant.ts';
import { keys } from '../../api/queries.ts';
import type { Episode } from '../../api/types.ts';
import { Link } from '../../lib/router.tsx';
import { ProblemLine } from '../../merchant/guard.tsx';
import '../../merchant/merchant.css';
import { CreatorOnly } from '../guard.tsx';
import { OffersForStudio } from './offers-for-studio.tsx';
import { PlacementForm, type Draft } from './placement-form.tsx';
import { PlacementList } from './placement-list.tsx';
import { Timeline, type Range } from './timeline.tsx';
import { VideoStage, type VideoStageHandle } from './video-stage.tsx';

export function PlacementEditorPage({ episodeId }: { episodeId: string }): ReactNode {
  return (
    <CreatorOnly>
      <PlacementEditor episodeId={episodeId} />
    </CreatorOnly>
  );
}

function PlacementEditor({ episodeId }: { episodeId: string }): ReactNode {
  const { t } = useTranslation();
  const episode = useQuery({ queryKey: ['episode', episodeId], queryFn: () => endpoints.episode(episodeId) });
  const media = useQuery({ queryKey: keys.media(episodeId), queryFn: () => endpoints.media(episodeId) });
  if (episode.isPending || media.isPending) return <div className="spinner spinner--page" />;
  if (episode.isError || media.isError) {
    const error = episode.error ?? media.error;
    return (
      <div className="page page--wide">
        <ProblemLine error={error} fallback={isApiError(error, 'NOT_FOUND') ? t('watch.notFound') : t('common.failed')} />
      </div>
    );
  }
  const durationMs = episode.data.durationMs ?? media.data.durationMs;
  if (media.data.status !== 'ready' || durationMs === null) {
    return (
      <div className="page page--wide">
        <p className="muted">{t('placements.notReady')}</p>
      </div>
    );
  }
  const aspect = media.data.width && media.data.height ? media.data.width / media.data.height : 9 / 16;
  return <Editor episode={episode.data} durationMs={durationMs} cuts={media.data.sceneCutsMs} aspect={aspect} />;
}

const blankDraft = (cta: string): Draft => ({ id: null, productId: '', startMs: 0, endMs: 0, box: null, label: 'same', cta });

function Editor({ episode, durationMs, cuts, aspect }: { episode: Episode; durationMs: number; cuts: number[]; aspect: number }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const stage = useRef<VideoStageHandle>(null);
  const [currentMs, setCurrentMs] = useState(0);
  const [draft, setDraft] = useState<Draft>(() => blankDraft(t('placements.defaultCta')));
  const [hasRange, setHasRange] = useState(false);
  const placements = useQuery({ queryKey: merchantKeys.placements(episode.id), queryFn: () => merchantApi.placements(episode.id) });
  const items = placements.data?.items ?? [];

  const onRange = useCallback((range: Range): void => {
    setHasRange(true);
    setDraft((d) => ({ ...d, startMs: range.startMs, endMs: range.endMs }));
    // The box is drawn on the frame where the product appears: stop there.
    stage.current?.pause();
    stage.current?.seek(range.startMs);
  }, []);

  const edit = (placement: Placement): void => {
    setDraft({ id: placement.id, productId: placement.productId, startMs: placement.startMs, endMs: placement.endMs, box: placement.box, label: placement.label, cta: placement.cta });
    setHasRange(true);
    stage.current?.pause();
    stage.current?.seek(placement.startMs);
  };
  const reset = (): void => {
    setDraft(blankDraft(t('placements.defaultCta')));
    setHasRange(false);
  };
  const refresh = (): void => void client.invalidateQueries({ queryKey: merchantKeys.placements(episode.id) });
  const remove = useMutation({
    mutationFn: (id: string) => merchantApi.removePlacement(episode.id, id),
    onSuccess: (_r, id) => {
      if (draft.id === id) reset();
      refresh();
    },
  });

  return (
    <div className="page page--wide placement-editor" data-testid="placement-editor">
      <header className="page-header">
        <div>
          <Link className="crumb" to={`/studio/series/${episode.seriesId}`}>
            ← {t('studio.episodes')}
          </Link>
          <h1>{t('placements.title', { n: episode.number, title: episode.title })}</h1>
          <p className="muted">{t('placements.subtitle')}</p>
        </div>
      </header>
      <div className="placement-editor__grid">
        <section className="panel placement-editor__stage">
          <VideoStage
            ref={stage}
            episodeId={episode.id}
            aspect={aspect}
            box={draft.box}
            placements={items}
            editingId={draft.id}
            onTime={setCurrentMs}
            onBox={(box: Box) => setDraft((d) => ({ ...d, box }))}
          />
          <Timeline
            durationMs={durationMs}
            cuts={cuts}
            currentMs={currentMs}
            range={hasRange ? { startMs: draft.startMs, endMs: draft.endMs } : null}
            placements={items}
            editingId={draft.id}
            onSeek={(ms) => stage.current?.seek(ms)}
            onRange={onRange}
          />
          <p className="muted merchant-small" data-testid="scene-cut-count">
            {t('placements.cuts', { count: cuts.length })}
          </p>
        </section>
        <aside className="placement-editor__side">
          <OffersForStudio />
          <PlacementForm
            key={draft.id ?? 'new'}
            episodeId={episode.id}
            draft={draft}
            hasRange={hasRange}
            onChange={(patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }))}
            onRangeTyped={(range) => {
              setHasRange(true);
              setDraft((d) => ({ ...d, ...range }));
            }}
            onSaved={() => {
              reset();
              refresh();
            }}
            onCancel={reset}
          />
          <PlacementList
            placements={items}
            loading={placements.isPending}
            editingId={draft.id}
            onEdit={edit}
            onRemove={(id) => remove.mutate(id)}
            removing={remove.isPending ? (remove.variables ?? null) : null}
          />
          <ProblemLine error={remove.error} fallback={t('common.failed')} />
        </aside>
      </div>
    </div>
  );
}

