import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Address } from '../api/shop.ts';
import { currentLanguage } from '../i18n/index.ts';

export type AddressField = 'name' | 'line1' | 'line2' | 'city' | 'postcode' | 'country' | 'phone';
export type AddressErrors = Partial<Record<AddressField, 'required' | 'tooLong' | 'invalid'>>;

export const COUNTRIES = ['CN', 'HK', 'TW', 'SG', 'MY', 'GB', 'IE', 'US', 'CA', 'AU', 'FR', 'DE', 'ES', 'IT', 'NL', 'JP', 'KR', 'TH', 'VN', 'ID'] as const;

const LIMITS: Record<AddressField, number> = { name: 100, line1: 200, line2: 200, city: 100, postcode: 20, country: 2, phone: 30 };
const REQUIRED: AddressField[] = ['name', 'line1', 'city', 'postcode', 'country', 'phone'];

export function emptyAddress(): Address {
  return { name: '', line1: '', line2: '', city: '', postcode: '', country: currentLanguage() === 'zh-CN' ? 'CN' : 'GB', phone: '' };
}

/** The same rules as the server's schema, so most mistakes are caught before a round trip. */
export function validateAddress(address: Address): AddressErrors {
  const errors: AddressErrors = {};
  for (const field of Object.keys(LIMITS) as AddressField[]) {
    const value = (address[field] ?? '').trim();
    if (REQUIRED.includes(field) && value === '') errors[field] = 'required';
    else if (value.length > LIMITS[field]) errors[field] = 'tooLong';
  }
  if (!errors.postcode && !/^[A-Za-z0-9][A-Za-z0-9 -]*$/.test(address.postcode.trim())) errors.postcode = 'invalid';
  const digits = address.phone.replace(/\D/g, '').length;
  if (!errors.phone && (!/^\+?[0-9 ()-]+$/.test(address.phone.trim()) || digits < 5)) errors.phone = 'invalid';
  if (!errors.country && !/^[A-Z]{2}$/.test(address.country)) errors.country = 'invalid';
  return errors;
}

/** What is sent: trimmed, without an empty second line. */
export function cleanAddress(address: Address): Address {
  const line2 = address.line2?.trim();
  return {
    name: address.name.trim(),
    line1: address.line1.trim(),
    ...(line2 ? { line2 } : {}),
    city: address.city.trim(),
    postcode: address.postcode.trim(),
    country: address.country,
    phone: address.phone.trim(),
  };
}

const AUTOCOMPLETE: Record<AddressField, string> = {
  name: 'name',
  line1: 'address-line1',
  line2: 'address-line2',
  city: 'address-level2',
  postcode: 'postal-code',
  country: 'country',
  phone: 'tel',
};

interface AddressFormProps {
  value: Address;
  errors: AddressErrors;
  disabled: boolean;
  onChange: (next: Address) => void;
}

export function AddressForm({ value, errors, disabled, onChange }: AddressFormProps): ReactNode {
  const { t } = useTranslation();
  const field = (name: Exclude<AddressField, 'country'>, options: { type?: string; inputMode?: 'tel' | 'text' } = {}): ReactNode => {
    const error = errors[name];
    return (
      <label className="field">
        <span>{t(`shop.address.${name}`)}</span>
        <input
          name={name}
          aria-label={t(`shop.address.${name}`)}
          type={options.type ?? 'text'}
          inputMode={options.inputMode}
          autoComplete={AUTOCOMPLETE[name]}
          maxLength={LIMITS[name]}
          value={value[name] ?? ''}
          disabled={disabled}
          aria-invalid={error !== undefined}
          aria-describedby={error ? `address-${name}-error` : undefined}
          onChange={(e) => onChange({ ...value, [name]: e.target.value })}
        />
        {error && (
          <small className="field__hint field__hint--bad" id={`address-${name}-error`} data-testid={`address-error-${name}`}>
            {t(`shop.address.errors.${error}`)}
          </small>
        )}
      </label>
    );
  };
  return (
    <fieldset className="shop-address" disabled={disabled}>
      <legend>{t('shop.checkout.address')}</legend>
      {field('name')}
      {field('phone', { type: 'tel', inputMode: 'tel' })}
      {field('line1')}
      {field('line2')}
      <div className="shop-address__row">
        {field('city')}
        {field('postcode')}
      </div>
      <label className="field field--select">
        <span>{t('shop.address.country')}</span>
        <select name="country" aria-label={t('shop.address.country')} autoComplete="country" value={value.country} onChange={(e) => onChange({ ...value, country: e.target.value })}>
          {COUNTRIES.map((code) => (
            <option key={code} value={code}>
              {regionName(code)}
            </option>
          ))}
        </select>
        {errors.country && <small className="field__hint field__hint--bad">{t(`shop.address.errors.${errors.country}`)}</small>}
      </label>
    </fieldset>
  );
}

function regionName(code: string): string {
  try {
    return new Intl.DisplayNames([currentLanguage()], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
