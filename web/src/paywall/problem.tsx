import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';

/** Problem codes whose headline we write ourselves (both languages); the server's detail follows it. */
const KNOWN = [
  'INSUFFICIENT_FUNDS',
  'SPENDING_CAP_REACHED',
  'AD_DAILY_CAP_REACHED',
  'AD_UNLOCK_NOT_ALLOWED',
  'PRICE_CHANGED',
  'UNAUTHENTICATED',
  'NETWORK',
] as const;
type Known = (typeof KNOWN)[number];

function isKnown(code: string): code is Known {
  return (KNOWN as readonly string[]).includes(code);
}

/** An API failure as the viewer reads it: our headline for the codes we know, then the server's `detail`. */
export function Problem({ error, testId = 'paywall-error' }: { error: unknown; testId?: string }): ReactNode {
  const { t } = useTranslation();
  if (!error) return null;
  const code = isApiError(error) ? error.code : null;
  const detail = isApiError(error) ? error.detail : null;
  const headline = code && isKnown(code) ? t(`paywall.errors.${code}`) : t('common.failed');
  return (
    <div className="problem" role="alert" data-testid={testId} data-code={code ?? undefined}>
      <strong>{headline}</strong>
      {detail && code !== 'NETWORK' && <span>{detail}</span>}
    </div>
  );
}
