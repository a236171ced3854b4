import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { endpoints } from '../api/endpoints.ts';
import { keys } from '../api/queries.ts';
import { Link } from '../lib/router.tsx';
import { Cover } from '../ui/cover.tsx';
import { PlusGlyph } from '../ui/icons.tsx';
import { CreatorOnly } from './guard.tsx';

export function StudioPage(): ReactNode {
  return (
    <CreatorOnly>
      <StudioHome />
    </CreatorOnly>
  );
}

function StudioHome(): ReactNode {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: keys.studioSeries, queryFn: () => endpoints.studioSeries() });
  const items = query.data?.items ?? [];
  return (
    <div className="page page--wide" data-testid="studio-page">
      <header className="page-header">
        <div>
          <h1>{t('studio.title')}</h1>
          <p className="muted">{t('studio.subtitle')}</p>
        </div>
        <Link className="btn btn--primary" to="/studio/new">
          <PlusGlyph size={18} />
          {t('studio.newSeries')}
        </Link>
      </header>
      {query.isPending ? (
        <div className="spinner" />
      ) : query.isError ? (
        <p className="form__error">{t('common.failed')}</p>
      ) : items.length === 0 ? (
        <div className="empty empty--inline">
          <h2>{t('studio.emptyTitle')}</h2>
          <p className="muted">{t('studio.emptyBody')}</p>
        </div>
      ) : (
        <ul className="studio-list">
          {items.map((series) => (
            <li key={series.id}>
              <Link className="studio-card" to={`/studio/series/${series.id}`} data-testid="studio-series">
                <Cover className="studio-card__cover" src={series.coverUrl} title={series.title} />
                <span className="studio-card__body">
                  <span className="studio-card__title">{series.title}</span>
                  <span className="muted">
                    {t('series.count', { count: series.episodeCount })} · {series.language}
                  </span>
                  <span className={`status status--${series.status}`}>{t(`status.${series.status}`)}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
