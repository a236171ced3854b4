import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { OrderStatus } from '../api/shop.ts';
import { formatMoney } from '../paywall/money.ts';
import { BagGlyph } from './glyphs.tsx';

export interface SummaryLine {
  key: string;
  title: string;
  options: Record<string, string>;
  image: string | null;
  unitPriceMinor: number;
  currency: string;
  quantity: number;
}

export interface Totals {
  subtotalMinor: number;
  shippingMinor: number;
  totalMinor: number;
  currency: string;
}

export function optionsText(options: Record<string, string>): string {
  return Object.values(options).join(' · ');
}

export function Thumb({ src }: { src: string | null }): ReactNode {
  const [broken, setBroken] = useState(false);
  return <span className="shop-thumb">{src && !broken ? <img src={src} alt="" onError={() => setBroken(true)} /> : <BagGlyph size={22} />}</span>;
}

/** Lines as "unit price × quantity" (the server's prices); totals only when the server has computed them. */
export function OrderSummary({ lines, totals }: { lines: SummaryLine[]; totals?: Totals }): ReactNode {
  const { t } = useTranslation();
  return (
    <div className="shop-summary">
      <ul className="shop-lines">
        {lines.map((line) => (
          <li key={line.key} className="shop-line" data-testid="summary-line">
            <Thumb src={line.image} />
            <span className="shop-line__text">
              <span className="shop-line__title">{line.title}</span>
              {Object.keys(line.options).length > 0 && <span className="muted shop-line__options">{optionsText(line.options)}</span>}
            </span>
            <span className="shop-line__price">
              {formatMoney(line.unitPriceMinor, line.currency)}
              <span className="muted"> × {line.quantity}</span>
            </span>
          </li>
        ))}
      </ul>
      {totals && (
        <dl className="shop-totals" data-testid="order-totals">
          <dt>{t('shop.totals.subtotal')}</dt>
          <dd>{formatMoney(totals.subtotalMinor, totals.currency)}</dd>
          <dt>{t('shop.totals.shipping')}</dt>
          <dd data-testid="shipping">{totals.shippingMinor === 0 ? t('shop.totals.free') : formatMoney(totals.shippingMinor, totals.currency)}</dd>
          <dt className="shop-totals__total">{t('shop.totals.total')}</dt>
          <dd className="shop-totals__total" data-testid="total">
            {formatMoney(totals.totalMinor, totals.currency)}
          </dd>
        </dl>
      )}
    </div>
  );
}

export function StatusChip({ status }: { status: OrderStatus }): ReactNode {
  const { t } = useTranslation();
  return (
    <span className={`shop-status shop-status--${status}`} data-testid="order-status" data-status={status}>
      {t(`shop.orders.status.${status}`)}
    </span>
  );
}
