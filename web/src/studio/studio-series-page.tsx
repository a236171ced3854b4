import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import { keys, useSeries } from '../api/queries.ts';
import type { SeriesWithEpisodes } from '../api/types.ts';
import { Link } from '../lib/router.tsx';
import { CoverInput } from './cover-input.tsx';
import { EpisodeRow } from './episode-row.tsx';
import { SeriesPricing } from './series-pricing.tsx';
import { CreatorOnly } from './guard.tsx';

export function StudioSeriesPage({ seriesId }: { seriesId: string }): ReactNode {
  return (
    <CreatorOnly>
      <StudioSeries seriesId={seriesId} />
    </CreatorOnly>
  );
}

function StudioSeries({ seriesId }: { seriesId: string }): ReactNode {
  const { t } = useTranslation();
  const series = useSeries(seriesId);
  if (series.isPending) return <div className="spinner spinner--page" />;
  if (series.isError) {
    return (
      <div className="page page--wide">
        <p className="form__error">{isApiError(series.error, 'NOT_FOUND') ? t('series.notFound') : t('common.failed')}</p>
      </div>
    );
  }
  return <SeriesEditor series={series.data} />;
}

function SeriesEditor({ series }: { series: SeriesWithEpisodes }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const refresh = (): void => {
    void client.invalidateQueries({ queryKey: keys.series(series.id) });
    void client.invalidateQueries({ queryKey: keys.studioSeries });
  };
  const cover = useMutation({ mutationFn: (file: File) => endpoints.uploadCover(series.id, file), onSuccess: refresh });
  const publish = useMutation({ mutationFn: () => endpoints.publishSeries(series.id), onSuccess: refresh });
  const episodes = [...series.episodes].sort((a, b) => a.number - b.number);
  const anyPublished = episodes.some((episode) => episode.status === 'published');

  return (
    <div className="page page--wide" data-testid="studio-series-page">
      <header className="page-header">
        <div>
          <Link className="crumb" to="/studio">
            ← {t('studio.title')}
          </Link>
          <h1>{series.title}</h1>
          <p className="muted">
            <span className={`status status--${series.status}`}>{t(`status.${series.status}`)}</span> · {series.language}
            {series.tags.length > 0 && ` · ${series.tags.join(' · ')}`}
          </p>
        </div>
        <div className="page-header__actions">
          {series.status === 'published' && (
            <Link className="btn btn--ghost" to={`/series/${series.id}`}>
              {t('studio.viewAsViewer')}
            </Link>
          )}
          {series.status === 'draft' && (
            <button
              type="button"
              className="btn btn--primary"
              onClick={() => publish.mutate()}
              disabled={publish.isPending}
              title={anyPublished ? undefined : t('studio.publishSeriesHint')}
              data-testid="publish-series"
            >
              {t('studio.publishSeries')}
            </button>
          )}
        </div>
      </header>
      {publish.isError && <p className="form__error">{describe(publish.error, t('common.failed'))}</p>}
      <div className="studio-grid">
        <section className="panel">
          <h2 className="section-title">{t('studio.episodes')}</h2>
          {episodes.length === 0 ? (
            <p className="muted">{t('studio.noEpisodes')}</p>
          ) : (
            <div className="episode-table" role="table">
              <div className="episode-table__head" role="row">
                <span role="columnheader">#</span>
                <span role="columnheader">{t('studio.episodeTitle')}</span>
                <span role="columnheader">{t('studio.price')}</span>
                <span role="columnheader">{t('studio.status')}</span>
                <span role="columnheader">{t('studio.media')}</span>
                <span role="columnheader" />
              </div>
              {episodes.map((episode) => (
                <EpisodeRow key={episode.id} episode={episode} onChanged={refresh} />
              ))}
            </div>
          )}
          <AddEpisodeForm series={series} nextNumber={(episodes.at(-1)?.number ?? 0) + 1} onAdded={refresh} />
        </section>
        <aside className="panel">
          <h2 className="section-title">{t('studio.cover')}</h2>
          <CoverInput current={series.coverUrl} onPick={(file) => file && cover.mutate(file)} />
          {cover.isPending && <p className="muted">{t('common.wait')}</p>}
          {cover.isError && <p className="form__error">{describe(cover.error, t('common.failed'))}</p>}
          {series.synopsis && <p className="series-synopsis">{series.synopsis}</p>}
          <SeriesPricing
            key={`${series.freeEpisodes}-${series.bundlePriceCoins}-${series.inVip}-${series.adUnlock}`}
            series={series}
            onSaved={refresh}
          />
        </aside>
      </div>
    </div>
  );
}

function describe(error: unknown, fallback: string): string {
  return isApiError(error) && error.detail ? error.detail : fallback;
}

function AddEpisodeForm({ series, nextNumber, onAdded }: { series: SeriesWithEpisodes; nextNumber: number; onAdded: () => void }): ReactNode {
  const { t } = useTranslation();
  const [number, setNumber] = useState<number | null>(null);
  const [title, setTitle] = useState('');
  const [free, setFree] = useState(nextNumber <= 3);
  const [price, setPrice] = useState(10);
  const [fit, setFit] = useState<'pad' | 'crop'>('pad');
  const [autoPublish, setAutoPublish] = useState(false);
  const shownNumber = number ?? nextNumber;
  const create = useMutation({
    mutationFn: () =>
      endpoints.createEpisode(series.id, {
        number: shownNumber,
        title: title.trim(),
        priceCoins: free ? 0 : price,
        fit,
        publishWhenReady: autoPublish,
      }),
    onSuccess: () => {
      setTitle('');
      setNumber(null);
      setFree(shownNumber + 1 <= 3);
      onAdded();
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (title.trim()) create.mutate();
  };
  return (
    <form className="add-episode" onSubmit={submit} data-testid="add-episode">
      <h3>{t('studio.addEpisode')}</h3>
      <div className="add-episode__fields">
        <label className="field field--number">
          <span>#</span>
          <input type="number" min={1} step={1} required value={shownNumber} onChange={(e) => setNumber(Math.max(1, Math.trunc(Number(e.target.value))))} />
        </label>
        <label className="field field--grow">
          <span>{t('studio.episodeTitle')}</span>
          <input name="episodeTitle" required maxLength={120} value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label className="field field--check">
          <input type="checkbox" checked={free} onChange={(e) => setFree(e.target.checked)} />
          <span>{t('episode.free')}</span>
        </label>
        {!free && (
          <label className="field field--narrow">
            <span>{t('studio.priceCoins')}</span>
            <input type="number" min={1} step={1} required value={price} onChange={(e) => setPrice(Math.max(1, Math.trunc(Number(e.target.value))))} />
          </label>
        )}
        <label className="field field--select">
          <span>{t('studio.fit')}</span>
          <select value={fit} onChange={(e) => setFit(e.target.value === 'crop' ? 'crop' : 'pad')}>
            <option value="pad">{t('studio.fitPad')}</option>
            <option value="crop">{t('studio.fitCrop')}</option>
          </select>
        </label>
      </div>
      <label className="field field--check">
        <input type="checkbox" checked={autoPublish} onChange={(e) => setAutoPublish(e.target.checked)} />
        <span>{t('studio.publishWhenReady')}</span>
      </label>
      {create.isError && (
        <p className="form__error">
          {isApiError(create.error, 'EPISODE_NUMBER_TAKEN') ? t('studio.numberTaken') : describe(create.error, t('common.failed'))}
        </p>
      )}
      <button type="submit" className="btn btn--secondary" disabled={create.isPending || !title.trim()}>
        {t('studio.addEpisode')}
      </button>
    </form>
  );
}
