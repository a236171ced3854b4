import { currentLanguage } from '../i18n/index.ts';

/** Minor units → "$2.99" / "US$2.99", in the viewer's language. */
export function formatMoney(amountMinor: number, currency: string): string {
  const zeroDecimal = ['JPY', 'KRW', 'VND'].includes(currency.toUpperCase());
  const value = zeroDecimal ? amountMinor : amountMinor / 100;
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency }).format(value);
  } catch {
    return `${value.toFixed(zeroDecimal ? 0 : 2)} ${currency}`;
  }
}

/** "26 Nov 2026" / "2026年11月26日". */
export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
