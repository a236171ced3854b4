import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Sku } from '../api/shop.ts';
import { optionKeys, optionValues, pick, valueState, type Selection } from './variants.ts';

const KNOWN_OPTIONS = ['colour', 'color', 'size', 'style', 'material'] as const;
type KnownOption = (typeof KNOWN_OPTIONS)[number];
const isKnown = (key: string): key is KnownOption => (KNOWN_OPTIONS as readonly string[]).includes(key);

/** One row of chips per option; sold-out values are disabled, values that need other choices re-pick them. */
export function VariantPicker({ skus, selection, onChange }: { skus: Sku[]; selection: Selection; onChange: (next: Selection) => void }): ReactNode {
  const { t } = useTranslation();
  const keys = optionKeys(skus);
  if (keys.length === 0) return null;
  return (
    <div className="shop-variants" data-testid="variant-picker">
      {keys.map((key) => {
        const lower = key.toLowerCase();
        const name = isKnown(lower) ? t(`shop.options.${lower}`) : key;
        return (
          <fieldset key={key} className="shop-variants__group">
            <legend>
              {name}
              {selection[key] !== undefined && <span className="muted"> · {selection[key]}</span>}
            </legend>
            <div className="shop-variants__values">
              {optionValues(skus, key).map((value) => {
                const state = valueState(skus, selection, key, value);
                const on = selection[key] === value;
                return (
                  <button
                    key={value}
                    type="button"
                    className={`shop-chip${on ? ' shop-chip--on' : ''}${state !== 'available' ? ` shop-chip--${state}` : ''}`}
                    aria-pressed={on}
                    disabled={state === 'sold-out'}
                    title={state === 'sold-out' ? t('shop.stock.soldOut') : undefined}
                    onClick={() => onChange(pick(skus, selection, key, value))}
                    data-testid="variant-option"
                    data-option={key}
                    data-value={value}
                  >
                    {value}
                    {state === 'sold-out' && <span className="shop-chip__note"> · {t('shop.stock.soldOutShort')}</span>}
                  </button>
                );
              })}
            </div>
          </fieldset>
        );
      })}
    </div>
  );
}
