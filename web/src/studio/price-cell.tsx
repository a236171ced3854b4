import { useMutation } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { endpoints } from '../api/endpoints.ts';
import type { Episode } from '../api/types.ts';

/** The episode's coin price, editable in place (0 = free); the series' free episodes stay free whatever it says. */
export function PriceCell({ episode, onChanged }: { episode: Episode; onChanged: () => void }): ReactNode {
  const { t } = useTranslation();
  const [value, setValue] = useState(String(episode.priceCoins));
  const save = useMutation({
    mutationFn: (priceCoins: number) => endpoints.updateEpisode(episode.id, { priceCoins }),
    onSuccess: onChanged,
  });
  const commit = (): void => {
    const price = Math.trunc(Number(value));
    if (!Number.isFinite(price) || price < 0) {
      setValue(String(episode.priceCoins));
      return;
    }
    if (price !== episode.priceCoins) save.mutate(price);
  };
  return (
    <span className="price-cell">
      <input
        type="number"
        min={0}
        step={1}
        value={value}
        aria-label={t('studio.priceCoins')}
        onChange={(e) => setValue(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
        data-testid="episode-price"
      />
      {episode.free && <span className="badge badge--free">{t('episode.free')}</span>}
      {save.isError && <span className="form__error">{isApiError(save.error) ? save.error.detail : t('common.failed')}</span>}
    </span>
  );
}
