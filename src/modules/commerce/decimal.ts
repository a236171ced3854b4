/**
 * Prices arrive as decimal text ("899.00", "2.55", "0.5") and are kept as integer minor units.
 * The conversion is done on the digits, never through a float: 0.29 * 100 is 28.999999999999996.
 */

/** ISO 4217 minor-unit digits for the currencies whose exponent is not 2. */
const EXPONENTS: Record<string, number> = {
  JPY: 0,
  KRW: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  HUF: 2,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
};

// ICU's list of ISO 4217 codes in circulation: "RMB" or "ABC" pass the pattern but are no currency.
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && ISO_CURRENCIES.has(code);
}

export function minorDigits(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

export type DecimalResult = { ok: true; minor: number } | { ok: false; reason: string };

/**
 * "899.00" → 89900 (CNY), "0.5" → 50, "12" → 1200. Extra fraction digits are allowed only when
 * they are zeros ("1.500" → 150); "1.005" is refused rather than rounded.
 */
export function decimalToMinor(text: string, currency: string): DecimalResult {
  const trimmed = text.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match) return { ok: false, reason: `"${text}" is not a decimal amount` };
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  const digits = minorDigits(currency);
  if (/[^0]/.test(fraction.slice(digits))) {
    return { ok: false, reason: `"${text}" has more decimals than ${currency} has minor units (${digits})` };
  }
  const minorText = `${whole}${fraction.slice(0, digits).padEnd(digits, '0')}`.replace(/^0+(?=\d)/, '');
  const minor = Number(minorText);
  if (!Number.isSafeInteger(minor) || minorText.length > 15) return { ok: false, reason: `"${text}" is too large` };
  return { ok: true, minor };
}

/** 89900 CNY → "899.00": for logs and CSV round trips, never for arithmetic. */
export function minorToDecimal(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
