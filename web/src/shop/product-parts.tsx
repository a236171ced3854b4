import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Stock } from '../api/shop.ts';
import { BagGlyph } from './glyphs.tsx';

/** The product's pictures as a swipeable strip; a plain tile when there are none (or none loads). */
export function ProductImages({ images, title }: { images: string[]; title: string }): ReactNode {
  const [broken, setBroken] = useState<ReadonlySet<string>>(new Set());
  const shown = images.filter((src) => !broken.has(src));
  if (shown.length === 0) {
    return (
      <div className="shop-images shop-images--empty" aria-hidden>
        <BagGlyph size={40} />
      </div>
    );
  }
  return (
    <div className="shop-images" data-testid="product-images">
      {shown.map((src, i) => (
        <img
          key={src}
          src={src}
          alt={i === 0 ? title : ''}
          loading={i === 0 ? 'eager' : 'lazy'}
          onError={() => setBroken((current) => new Set(current).add(src))}
        />
      ))}
    </div>
  );
}

export function StockLine({ stock }: { stock: Stock }): ReactNode {
  const { t } = useTranslation();
  switch (stock.state) {
    case 'in_stock':
      return <p className="shop-stock shop-stock--ok" data-testid="stock-state" data-state={stock.state}>{t('shop.stock.inStock')}</p>;
    case 'low':
      return <p className="shop-stock shop-stock--low" data-testid="stock-state" data-state={stock.state}>{t('shop.stock.low', { count: stock.available })}</p>;
    case 'sold_out':
      return <p className="shop-stock shop-stock--out" data-testid="stock-state" data-state={stock.state}>{t('shop.stock.soldOut')}</p>;
    default: {
      const unreachable: never = stock.state;
      return unreachable;
    }
  }
}

interface StepperProps {
  value: number;
  max: number;
  disabled?: boolean;
  onChange: (value: number) => void;
}

export function QuantityStepper({ value, max, disabled = false, onChange }: StepperProps): ReactNode {
  const { t } = useTranslation();
  return (
    <div className="shop-qty">
      <span className="shop-qty__label">{t('shop.sheet.quantity')}</span>
      <div className="shop-qty__stepper">
        <button type="button" onClick={() => onChange(value - 1)} disabled={disabled || value <= 1} aria-label={t('shop.sheet.less')}>
          −
        </button>
        <output aria-live="polite" data-testid="quantity">
          {value}
        </output>
        <button type="button" onClick={() => onChange(value + 1)} disabled={disabled || value >= max} aria-label={t('shop.sheet.more')}>
          +
        </button>
      </div>
    </div>
  );
}
