import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { endpoints } from '../api/endpoints.ts';
import { keys } from '../api/queries.ts';
import { Link, navigate } from '../lib/router.tsx';
import { CoverInput } from './cover-input.tsx';
import { CreatorOnly } from './guard.tsx';

export const LANGUAGES = ['zh-CN', 'en', 'es', 'pt', 'id', 'th', 'vi', 'ja', 'ko'] as const;

export function parseTags(text: string): string[] {
  const tags = text
    .split(/[,，#\n]/)
    .map((tag) => tag.trim())
    .filter(Boolean);
  return [...new Set(tags)].slice(0, 10);
}

export function NewSeriesPage(): ReactNode {
  return (
    <CreatorOnly>
      <NewSeriesForm />
    </CreatorOnly>
  );
}

function NewSeriesForm(): ReactNode {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [title, setTitle] = useState('');
  const [synopsis, setSynopsis] = useState('');
  const [tags, setTags] = useState('');
  const [language, setLanguage] = useState(i18n.language.startsWith('zh') ? 'zh-CN' : 'en');
  const [cover, setCover] = useState<File | null>(null);
  const create = useMutation({
    mutationFn: async () => {
      const series = await endpoints.createSeries({ title: title.trim(), synopsis: synopsis.trim(), tags: parseTags(tags), language });
      // The series exists even if the cover fails; the creator can add it on the series page.
      if (cover) await endpoints.uploadCover(series.id, cover).catch(() => null);
      return series;
    },
    onSuccess: (series) => {
      void client.invalidateQueries({ queryKey: keys.studioSeries });
      navigate(`/studio/series/${series.id}`, { replace: true });
    },
  });

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (title.trim()) create.mutate();
  };

  return (
    <div className="page page--wide" data-testid="new-series-page">
      <header className="page-header">
        <div>
          <Link className="crumb" to="/studio">
            ← {t('studio.title')}
          </Link>
          <h1>{t('studio.newSeries')}</h1>
        </div>
      </header>
      <form className="form form--columns" onSubmit={submit}>
        <div className="form__main">
          <label className="field">
            <span>{t('studio.seriesTitle')}</span>
            <input name="title" required maxLength={120} value={title} onChange={(e) => setTitle(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('studio.synopsis')}</span>
            <textarea name="synopsis" rows={5} maxLength={2000} value={synopsis} onChange={(e) => setSynopsis(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('studio.tags')}</span>
            <input name="tags" placeholder={t('studio.tagsPlaceholder')} value={tags} onChange={(e) => setTags(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('studio.language')}</span>
            <select name="language" value={language} onChange={(e) => setLanguage(e.target.value)}>
              {LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {t(`languages.${code}`)}
                </option>
              ))}
            </select>
          </label>
          {create.isError && <p className="form__error">{t('common.failed')}</p>}
          <button type="submit" className="btn btn--primary" disabled={create.isPending || !title.trim()}>
            {create.isPending ? t('common.wait') : t('studio.createSeries')}
          </button>
        </div>
        <CoverInput current={null} onPick={setCover} />
      </form>
    </div>
  );
}
