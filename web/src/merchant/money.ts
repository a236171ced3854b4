import { currentLanguage } from '../i18n/index.ts';

/**
 * Prices are typed in major units ("19.99") and stored as integer minor units (1999). The
 * conversion works on the digits, never through a float (0.29 * 100 is 28.999999999999996), and
 * uses the server's exponents (src/modules/commerce/decimal.ts) so both sides agree.
 */

const EXPONENTS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };

export const CURRENCIES = ['CNY', 'GBP', 'USD', 'EUR', 'JPY', 'HKD'] as const;

export function minorDigits(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

export type Parsed = { ok: true; minor: number } | { ok: false; reason: 'format' | 'decimals' | 'range' };

/** "19.99" → 1999 (GBP), "899" → 89900 (CNY), "1.005" refused rather than rounded. */
export function majorToMinor(text: string, currency: string): Parsed {
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(text.trim());
  if (!match) return { ok: false, reason: 'format' };
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  const digits = minorDigits(currency);
  if (/[^0]/.test(fraction.slice(digits))) return { ok: false, reason: 'decimals' };
  const minorText = `${whole}${fraction.slice(0, digits).padEnd(digits, '0')}`.replace(/^0+(?=\d)/, '');
  if (minorText.length > 15) return { ok: false, reason: 'range' };
  const minor = Number(minorText);
  if (!Number.isSafeInteger(minor) || minor < 1 || minor > 100_000_000) return { ok: false, reason: 'range' };
  return { ok: true, minor };
}

/** 1999 GBP → "19.99": the text a form field starts from. */
export function minorToMajor(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** "12.5" % → 1250 basis points; at most two decimals, 0 to 100. */
export function percentToBps(text: string): number | null {
  const match = /^(\d{1,3})(?:[.,](\d{0,2}))?$/.exec(text.trim());
  if (!match) return null;
  const bps = Number(`${match[1] ?? '0'}${(match[2] ?? '').padEnd(2, '0')}`);
  return bps >= 0 && bps <= 10_000 ? bps : null;
}

export function bpsToPercent(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const rest = bps % 100;
  return rest === 0 ? String(whole) : `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}`;
}

/** 1999 GBP → "£19.99" in the interface language; the decimal string keeps it exact. */
export function formatMinor(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const major = minorToMajor(minor, currency) as `${number}`;
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(major);
  } catch {
    return `${major} ${currency}`;
  }
}

export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
