import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { merchantApi, merchantKeys, type CatalogueFormat } from '../api/merchant.ts';
import { ProblemLine } from './guard.tsx';

const MAX_BYTES = 5 * 1024 * 1024;

/** Upload a catalogue CSV (litemall CNY or UCI Online Retail GBP) and show what the import did. */
export function ImportPanel(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [format, setFormat] = useState<CatalogueFormat>('litemall');
  const [file, setFile] = useState<File | null>(null);
  const run = useMutation({
    mutationFn: (picked: File) => merchantApi.importCatalogue(format, picked),
    onSuccess: () => void client.invalidateQueries({ queryKey: merchantKeys.products }),
  });
  const tooBig = file !== null && file.size > MAX_BYTES;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (file && !tooBig) run.mutate(file);
  };
  const report = run.data;
  return (
    <section className="panel" data-testid="import-panel">
      <h2 className="section-title">{t('merchant.importTitle')}</h2>
      <p className="muted">{t('merchant.importHint')}</p>
      <form className="merchant-inline-form" onSubmit={submit}>
        <fieldset className="merchant-radios">
          <legend>{t('merchant.format')}</legend>
          {(['litemall', 'online_retail'] as const).map((name) => (
            <label key={name} className="field--check">
              <input type="radio" name="format" value={name} checked={format === name} onChange={() => setFormat(name)} />
              <span>{t(`merchant.formats.${name}`)}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t('merchant.csvFile')}</span>
          <input type="file" accept=".csv,text/csv" data-testid="csv-file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        {tooBig && <p className="form__error">{t('merchant.fileTooBig')}</p>}
        <button type="submit" className="btn btn--primary" disabled={!file || tooBig || run.isPending}>
          {run.isPending ? t('common.wait') : t('merchant.import')}
        </button>
      </form>
      <ProblemLine error={run.error} fallback={t('common.failed')} />
      {report && (
        <div className="import-report" data-testid="import-report">
          <div className="import-report__counts">
            <span data-testid="import-created">{t('merchant.created', { count: report.created })}</span>
            <span data-testid="import-updated">{t('merchant.updated', { count: report.updated })}</span>
            <span>{t('merchant.unchanged', { count: report.unchanged })}</span>
            <span data-testid="import-skipped">{t('merchant.skipped', { count: report.skipped.length })}</span>
            <span className="muted">{t('merchant.rows', { count: report.rows })}</span>
          </div>
          {report.skipped.length > 0 && (
            <table className="merchant-grid-table">
              <thead>
                <tr>
                  <th>{t('merchant.line')}</th>
                  <th>{t('merchant.sourceRef')}</th>
                  <th>{t('merchant.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {report.skipped.map((skip) => (
                  <tr key={`${skip.line}-${skip.sourceRef ?? ''}`} data-testid="import-skip">
                    <td>{skip.line}</td>
                    <td>{skip.sourceRef ?? '—'}</td>
                    <td>{skip.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
