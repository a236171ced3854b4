import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall } from '../api/paywall.ts';
import type { Series } from '../api/types.ts';
import { Problem } from '../paywall/problem.tsx';

function wholeOrNull(text: string): number | null {
  if (text.trim() === '') return null;
  const value = Math.trunc(Number(text));
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** The producer's paywall settings for a series: free episodes, bundle, VIP and rewarded ads. */
export function SeriesPricing({ series, onSaved }: { series: Series; onSaved: () => void }): ReactNode {
  const { t } = useTranslation();
  const [freeEpisodes, setFreeEpisodes] = useState(String(series.freeEpisodes));
  const [bundle, setBundle] = useState(series.bundlePriceCoins === null ? '' : String(series.bundlePriceCoins));
  const [inVip, setInVip] = useState(series.inVip);
  const [adUnlock, setAdUnlock] = useState(series.adUnlock);
  const save = useMutation({
    mutationFn: () =>
      paywall.setSeriesPricing(series.id, {
        freeEpisodes: Math.max(0, Math.trunc(Number(freeEpisodes)) || 0),
        bundlePriceCoins: wholeOrNull(bundle),
        inVip,
        adUnlock,
      }),
    onSuccess: onSaved,
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="pricing" onSubmit={submit} data-testid="series-pricing">
      <h2 className="section-title">{t('studio.pricing')}</h2>
      <label className="field">
        <span>{t('studio.freeEpisodes')}</span>
        <input type="number" min={0} step={1} value={freeEpisodes} onChange={(e) => setFreeEpisodes(e.target.value)} name="freeEpisodes" />
        <span className="field__hint">{t('studio.freeEpisodesHint')}</span>
      </label>
      <label className="field">
        <span>{t('studio.bundlePrice')}</span>
        <input type="number" min={1} step={1} value={bundle} placeholder={t('studio.noBundle')} onChange={(e) => setBundle(e.target.value)} name="bundlePriceCoins" />
        <span className="field__hint">{t('studio.bundleHint')}</span>
      </label>
      <label className="field field--check">
        <input type="checkbox" checked={inVip} onChange={(e) => setInVip(e.target.checked)} name="inVip" />
        <span>{t('studio.inVip')}</span>
      </label>
      <label className="field field--check">
        <input type="checkbox" checked={adUnlock} onChange={(e) => setAdUnlock(e.target.checked)} name="adUnlock" />
        <span>{t('studio.adUnlock')}</span>
      </label>
      <button type="submit" className="btn btn--secondary" disabled={save.isPending} data-testid="save-pricing">
        {t('studio.savePricing')}
      </button>
      {save.isSuccess && !save.isPending && <p className="caps__saved">{t('studio.pricingSaved')}</p>}
      <Problem error={save.error} />
    </form>
  );
}
