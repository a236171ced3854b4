import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { Link } from '../lib/router.tsx';

/** Studio pages need a creator (or admin); everyone else gets a way in, not a blank page. */
export function CreatorOnly({ children }: { children: ReactNode }): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  if (loading) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  const role = session.user?.role;
  if (role === 'creator' || role === 'admin') return children;
  return (
    <div className="page page--narrow">
      <div className="welcome">
        <h1>{t('studio.title')}</h1>
        <p className="muted">{session.user ? t('studio.creatorsOnly') : t('studio.signInFirst')}</p>
        {session.user ? (
          <Link className="btn btn--primary btn--block" to="/signup?role=creator&next=/studio">
            {t('studio.becomeCreator')}
          </Link>
        ) : (
          <>
            <Link className="btn btn--primary btn--block" to="/signin?next=/studio">
              {t('auth.signIn')}
            </Link>
            <Link className="btn btn--ghost btn--block" to="/signup?role=creator&next=/studio">
              {t('studio.becomeCreator')}
            </Link>
          </>
        )}
      </div>
    </div>
  );
}
