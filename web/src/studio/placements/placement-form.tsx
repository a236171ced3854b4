import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { merchantApi, type Box, type PlacementLabel } from '../../api/merchant.ts';
import { ProblemLine } from '../../merchant/guard.tsx';
import { formatMinor } from '../../merchant/money.ts';
import { useStudioOffers } from './offers-for-studio.tsx';
import { msToSeconds, secondsToMs } from './snap.ts';

export interface Draft {
  id: string | null;
  productId: string;
  startMs: number;
  endMs: number;
  box: Box | null;
  label: PlacementLabel;
  cta: string;
}

interface PlacementFormProps {
  episodeId: string;
  draft: Draft;
  hasRange: boolean;
  onChange: (patch: Partial<Draft>) => void;
  onRangeTyped: (range: { startMs: number; endMs: number }) => void;
  onSaved: () => void;
  onCancel: () => void;
}

/** Product, label, call to action and the exact range; the server validates and its words show here. */
export function PlacementForm({ episodeId, draft, hasRange, onChange, onRangeTyped, onSaved, onCancel }: PlacementFormProps): ReactNode {
  const { t } = useTranslation();
  const offers = useStudioOffers();
  const accepted = (offers.data?.items ?? []).filter((offer) => offer.acceptedByMe && offer.product !== null);
  const productId = draft.productId || accepted[0]?.productId || '';
  const [startText, setStartText] = useState(msToSeconds(draft.startMs));
  const [endText, setEndText] = useState(msToSeconds(draft.endMs));
  useEffect(() => setStartText(msToSeconds(draft.startMs)), [draft.startMs]);
  useEffect(() => setEndText(msToSeconds(draft.endMs)), [draft.endMs]);
  const [typo, setTypo] = useState(false);

  const save = useMutation({
    mutationFn: (range: { startMs: number; endMs: number }) => {
      const body = { productId, startMs: range.startMs, endMs: range.endMs, box: draft.box, label: draft.label, cta: draft.cta };
      return draft.id ? merchantApi.updatePlacement(episodeId, draft.id, body) : merchantApi.createPlacement(episodeId, body);
    },
    onSuccess: onSaved,
  });

  const typedRange = (): { startMs: number; endMs: number } | null => {
    const startMs = secondsToMs(startText);
    const endMs = secondsToMs(endText);
    return startMs === null || endMs === null ? null : { startMs, endMs };
  };
  const commitTyped = (): void => {
    const range = typedRange();
    setTypo(range === null);
    if (range && (range.startMs !== draft.startMs || range.endMs !== draft.endMs)) onRangeTyped(range);
  };
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const range = typedRange();
    setTypo(range === null);
    // Range rules (inside the episode, end after start) are the server's: its answer shows below.
    if (range && productId) save.mutate(range);
  };

  return (
    <form className="panel merchant-form placement-form" onSubmit={submit} data-testid="placement-form">
      <h2 className="section-title">{draft.id ? t('placements.editPlacement') : t('placements.newPlacement')}</h2>
      {accepted.length === 0 ? (
        <p className="muted">{t('placements.acceptFirst')}</p>
      ) : (
        <label className="field">
          <span>{t('placements.product')}</span>
          <select name="placementProduct" value={productId} onChange={(e) => onChange({ productId: e.target.value })}>
            {accepted.map((offer) =>
              offer.product ? (
                <option key={offer.id} value={offer.productId}>
                  {offer.product.title} · {formatMinor(offer.product.fromPriceMinor, offer.product.currency)}
                </option>
              ) : null,
            )}
          </select>
        </label>
      )}
      <fieldset className="merchant-radios">
        <legend>{t('placements.label')}</legend>
        {(['same', 'similar'] as const).map((label) => (
          <label key={label} className="field--check">
            <input type="radio" name="placementLabel" checked={draft.label === label} onChange={() => onChange({ label })} />
            <span>{t(`placements.labels.${label}`)}</span>
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>{t('placements.cta')}</span>
        <input name="cta" maxLength={40} value={draft.cta} onChange={(e) => onChange({ cta: e.target.value })} />
      </label>
      <div className="placement-form__range">
        <label className="field">
          <span>{t('placements.startS')}</span>
          <input name="startS" inputMode="decimal" value={startText} onChange={(e) => setStartText(e.target.value)} onBlur={commitTyped} />
        </label>
        <label className="field">
          <span>{t('placements.endS')}</span>
          <input name="endS" inputMode="decimal" value={endText} onChange={(e) => setEndText(e.target.value)} onBlur={commitTyped} />
        </label>
      </div>
      {typo && <p className="form__error">{t('placements.secondsProblem')}</p>}
      <p className="muted merchant-small" data-testid="box-summary">
        {draft.box
          ? t('placements.boxIs', { x: draft.box.x.toFixed(3), y: draft.box.y.toFixed(3), w: draft.box.w.toFixed(3), h: draft.box.h.toFixed(3) })
          : t('placements.noBox')}
        {draft.box && (
          <>
            {' '}
            <button type="button" className="link-button" onClick={() => onChange({ box: null })}>
              {t('placements.clearBox')}
            </button>
          </>
        )}
      </p>
      {!hasRange && <p className="muted merchant-small">{t('placements.dragHint')}</p>}
      <ProblemLine error={save.error} fallback={t('common.failed')} />
      <div className="merchant-form__actions">
        <button type="submit" className="btn btn--primary" disabled={save.isPending || !productId || !hasRange} data-testid="save-placement">
          {draft.id ? t('placements.update') : t('placements.save')}
        </button>
        {(draft.id || hasRange) && (
          <button type="button" className="btn btn--ghost" onClick={onCancel}>
            {t('merchant.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
