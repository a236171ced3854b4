import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall, paywallKeys, type SpendingCaps } from '../api/paywall.ts';
import { Problem } from './problem.tsx';

const toField = (value: number | null): string => (value === null ? '' : String(value));

function toCap(field: string): number | null {
  const trimmed = field.trim();
  if (trimmed === '') return null;
  const value = Math.trunc(Number(trimmed));
  return Number.isFinite(value) && value >= 0 ? value : null;
}

/** Daily and monthly coin limits; an empty field means no limit. */
export function CapsForm({ caps }: { caps: SpendingCaps }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [daily, setDaily] = useState(toField(caps.dailyCoins));
  const [monthly, setMonthly] = useState(toField(caps.monthlyCoins));
  const save = useMutation({
    mutationFn: () => paywall.setCaps({ dailyCoins: toCap(daily), monthlyCoins: toCap(monthly) }),
    onSuccess: (saved) => {
      // Show what the server stored (a cleared field comes back as "no limit").
      setDaily(toField(saved.dailyCoins));
      setMonthly(toField(saved.monthlyCoins));
      void client.invalidateQueries({ queryKey: paywallKeys.wallet });
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="panel caps" onSubmit={submit} data-testid="caps-form">
      <h2 className="section-title">{t('wallet.caps')}</h2>
      <p className="muted caps__hint">{t('wallet.capsHint')}</p>
      <div className="caps__fields">
        <label className="field">
          <span>{t('wallet.dailyCap')}</span>
          <input type="number" inputMode="numeric" min={0} step={1} placeholder={t('wallet.noLimit')} value={daily} onChange={(e) => setDaily(e.target.value)} name="dailyCoins" />
          <span className="field__hint">{t('wallet.spentToday', { count: caps.spentToday })}</span>
        </label>
        <label className="field">
          <span>{t('wallet.monthlyCap')}</span>
          <input type="number" inputMode="numeric" min={0} step={1} placeholder={t('wallet.noLimit')} value={monthly} onChange={(e) => setMonthly(e.target.value)} name="monthlyCoins" />
          <span className="field__hint">{t('wallet.spentThisMonth', { count: caps.spentThisMonth })}</span>
        </label>
      </div>
      <button type="submit" className="btn btn--secondary" disabled={save.isPending} data-testid="save-caps">
        {t('wallet.saveCaps')}
      </button>
      {save.isSuccess && !save.isPending && (
        <p className="caps__saved" data-testid="caps-saved">
          {t('wallet.capsSaved')}
        </p>
      )}
      <Problem error={save.error} />
    </form>
  );
}
