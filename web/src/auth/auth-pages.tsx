import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/client.ts';
import { useSignIn, useSignUp } from '../api/session.ts';
import { Link, navigate, useLocation } from '../lib/router.tsx';

const MIN_PASSWORD = 10;

/** Only same-site paths: a `next` pointing elsewhere would make sign-in an open redirect. */
function safeNext(raw: string | null, fallback: string): string {
  return raw && raw.startsWith('/') && !raw.startsWith('//') ? raw : fallback;
}

function useErrorText(error: unknown): string | null {
  const { t } = useTranslation();
  if (!error) return null;
  if (isApiError(error, 'INVALID_CREDENTIALS')) return t('auth.errors.invalid');
  if (isApiError(error, 'EMAIL_TAKEN')) return t('auth.errors.taken');
  if (isApiError(error, 'VALIDATION_FAILED')) return t('auth.errors.validation');
  if (isApiError(error, 'RATE_LIMITED')) return t('auth.errors.rateLimited');
  if (isApiError(error, 'NETWORK')) return t('common.offline');
  return t('common.failed');
}

export function SignInPage(): ReactNode {
  const { t } = useTranslation();
  const { search } = useLocation();
  const next = safeNext(search.get('next'), '/');
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const error = useErrorText(signIn.error);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    signIn.mutate({ email: email.trim(), password }, { onSuccess: () => navigate(next, { replace: true }) });
  };

  return (
    <div className="page page--narrow auth" data-testid="signin-page">
      <span className="brand brand--large">
        dual<b>stream</b>
      </span>
      <h1>{t('auth.signInTitle')}</h1>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>{t('auth.email')}</span>
          <input type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form__error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn--primary btn--block" disabled={signIn.isPending}>
          {signIn.isPending ? t('common.wait') : t('auth.signIn')}
        </button>
      </form>
      <p className="auth__switch">
        {t('auth.noAccount')}{' '}
        <Link to={`/signup?next=${encodeURIComponent(next)}`} replace>
          {t('auth.signUp')}
        </Link>
      </p>
    </div>
  );
}

type SignUpRole = 'viewer' | 'creator' | 'merchant';
const SIGN_UP_ROLES: readonly SignUpRole[] = ['viewer', 'creator', 'merchant'];
/** Where each kind of account starts: producers in the studio, merchants in their console. */
const HOME_OF: Record<SignUpRole, string> = { viewer: '/', creator: '/studio', merchant: '/merchant' };

function roleFrom(value: string | null): SignUpRole {
  return SIGN_UP_ROLES.find((r) => r === value) ?? 'viewer';
}

export function SignUpPage(): ReactNode {
  const { t } = useTranslation();
  const { search } = useLocation();
  const signUp = useSignUp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<SignUpRole>(roleFrom(search.get('role')));
  const error = useErrorText(signUp.error);
  const tooShort = password.length > 0 && password.length < MIN_PASSWORD;

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (password.length < MIN_PASSWORD) return;
    const fallback = HOME_OF[role];
    const next = safeNext(search.get('next'), fallback);
    signUp.mutate(
      { email: email.trim(), password, displayName: displayName.trim() || email.split('@')[0] || email, role },
      { onSuccess: () => navigate(role !== 'viewer' && next === '/me' ? HOME_OF[role] : next, { replace: true }) },
    );
  };

  return (
    <div className="page page--narrow auth" data-testid="signup-page">
      <span className="brand brand--large">
        dual<b>stream</b>
      </span>
      <h1>{t('auth.signUpTitle')}</h1>
      <form className="form" onSubmit={submit}>
        <fieldset className="role-picker">
          <legend>{t('auth.roleLegend')}</legend>
          {SIGN_UP_ROLES.map((option) => (
            <label key={option} className={`role-picker__option${role === option ? ' role-picker__option--on' : ''}`}>
              <input type="radio" name="role" value={option} checked={role === option} onChange={() => setRole(option)} />
              <strong>{t(`roles.${option}`)}</strong>
              <span>{t(`auth.roleHint.${option}`)}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>{t('auth.displayName')}</span>
          <input name="displayName" autoComplete="nickname" maxLength={60} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('auth.email')}</span>
          <input type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>{t('auth.password')}</span>
          <input
            type="password"
            name="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={tooShort}
          />
          <small className={tooShort ? 'field__hint field__hint--bad' : 'field__hint'}>{t('auth.passwordHint', { n: MIN_PASSWORD })}</small>
        </label>
        {error && (
          <p className="form__error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn--primary btn--block" disabled={signUp.isPending}>
          {signUp.isPending ? t('common.wait') : t('auth.createAccount')}
        </button>
      </form>
      <p className="auth__switch">
        {t('auth.haveAccount')}{' '}
        <Link to={`/signin?next=${encodeURIComponent(safeNext(search.get('next'), '/'))}`} replace>
          {t('auth.signIn')}
        </Link>
      </p>
    </div>
  );
}
