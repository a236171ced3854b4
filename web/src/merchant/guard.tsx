import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { useSession } from '../api/session.ts';
import { Link } from '../lib/router.tsx';

/** The console needs a merchant (or admin) account; everyone else gets a way in, not a blank page. */
export function MerchantOnly({ children }: { children: ReactNode }): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  if (loading) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  const role = session.user?.role;
  if (role === 'merchant' || role === 'admin') return children;
  return (
    <div className="page page--narrow">
      <div className="welcome">
        <h1>{t('merchant.title')}</h1>
        <p className="muted">{session.user ? t('merchant.merchantsOnly') : t('merchant.signInFirst')}</p>
        {!session.user && (
          <Link className="btn btn--primary btn--block" to="/signin?next=/merchant">
            {t('auth.signIn')}
          </Link>
        )}
      </div>
    </div>
  );
}

/** The server's own words for a refused request (problem+json detail), else a generic line. */
export function problemText(error: unknown, fallback: string): string {
  if (!isApiError(error)) return fallback;
  const errors = error.extra.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    // Schema errors name the field; a rule's error repeats the detail, which is then enough.
    const parts = errors.map((e: unknown) => {
      if (typeof e !== 'object' || e === null) return '';
      const entry = e as { path?: unknown; message?: unknown };
      if (typeof entry.message !== 'string' || entry.message === error.detail) return '';
      return typeof entry.path === 'string' && entry.path ? `${entry.path}: ${entry.message}` : entry.message;
    });
    const listed = parts.filter(Boolean).join('; ');
    if (listed) return error.detail ? `${error.detail} (${listed})` : listed;
  }
  return error.detail || fallback;
}

export function ProblemLine({ error, fallback }: { error: unknown; fallback: string }): ReactNode {
  if (!error) return null;
  return (
    <p className="form__error" role="alert" data-testid="problem">
      {problemText(error, fallback)}
    </p>
  );
}
