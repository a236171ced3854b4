import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CoinPack } from '../api/paywall.ts';
import { CoinGlyph } from '../ui/icons.tsx';
import { formatMoney } from './money.ts';
import { Problem } from './problem.tsx';
import { useTopUp } from './use-paywall-actions.ts';

/** Coin packs; the smallest one that covers the shortfall is marked, so "top up" is one obvious tap. */
export function PackPicker({ packs, shortfall = 0 }: { packs: CoinPack[]; shortfall?: number }): ReactNode {
  const { t } = useTranslation();
  const topUp = useTopUp();
  const suggested = shortfall > 0 ? packs.find((pack) => pack.coins + pack.bonus >= shortfall)?.id : undefined;
  return (
    <div className="packs" data-testid="pack-picker">
      {shortfall > 0 && <p className="packs__note">{t('paywall.shortBy', { count: shortfall })}</p>}
      <ul className="packs__list">
        {packs.map((pack) => (
          <li key={pack.id}>
            <button
              type="button"
              className={`pack${pack.id === suggested ? ' pack--suggested' : ''}`}
              onClick={() => topUp.mutate(pack.id)}
              disabled={topUp.isPending}
              data-testid="pack"
              data-pack-id={pack.id}
            >
              <span className="pack__coins">
                <CoinGlyph size={18} />
                {pack.coins}
              </span>
              {pack.bonus > 0 && <span className="pack__bonus">{t('paywall.packBonus', { count: pack.bonus })}</span>}
              <span className="pack__price">{formatMoney(pack.priceMinor, pack.currency)}</span>
            </button>
          </li>
        ))}
      </ul>
      {topUp.isPending && <p className="muted packs__note">{t('paywall.toPayment')}</p>}
      <Problem error={topUp.error} />
    </div>
  );
}
