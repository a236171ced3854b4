import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { endpoints } from '../api/endpoints.ts';
import { keys, useFollows } from '../api/queries.ts';
import { useSession, useSignOut } from '../api/session.ts';
import type { ContinueItem, HistoryItem } from '../api/types.ts';
import { formatClock, watchedFraction } from '../lib/format.ts';
import { Link } from '../lib/router.tsx';
import { Cover } from '../ui/cover.tsx';
import { CoinGlyph } from '../ui/icons.tsx';
import { LanguageSwitch } from '../ui/language-switch.tsx';
import { BagGlyph } from '../shop/glyphs.tsx';

function resumeLink(item: ContinueItem): string {
  return `/watch/${item.episode.id}?at=${item.positionMs}`;
}

export function MePage(): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  const signOut = useSignOut();
  const user = session.user;

  if (loading) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  if (!user) {
    return (
      <div className="page page--narrow" data-testid="me-page">
        <div className="welcome">
          <span className="brand brand--large">
            dual<b>stream</b>
          </span>
          <h1>{t('me.welcomeTitle')}</h1>
          <p className="muted">{t('me.welcomeBody')}</p>
          <Link className="btn btn--primary btn--block" to="/signin?next=/me">
            {t('auth.signIn')}
          </Link>
          <Link className="btn btn--ghost btn--block" to="/signup?next=/me">
            {t('auth.signUp')}
          </Link>
        </div>
        <div className="settings-row">
          <span>{t('me.language')}</span>
          <LanguageSwitch />
        </div>
      </div>
    );
  }

  return (
    <div className="page" data-testid="me-page">
      <header className="profile">
        <span className="avatar" aria-hidden>
          {[...user.displayName][0]?.toUpperCase() ?? '?'}
        </span>
        <div>
          <h1>{user.displayName}</h1>
          <p className="muted">
            {user.email} · {t(`roles.${user.role}`)}
          </p>
        </div>
      </header>
      <nav className="me-links">
        <Link className="me-link" to="/wallet" data-testid="wallet-link">
          <CoinGlyph size={20} />
          <span>{t('wallet.title')}</span>
          <span aria-hidden>›</span>
        </Link>
        <Link className="me-link" to="/vip" data-testid="vip-link">
          <span className="me-link__vip">VIP</span>
          <span>{t('vip.title')}</span>
          <span aria-hidden>›</span>
        </Link>
        <Link className="me-link" to="/orders" data-testid="orders-link">
          <BagGlyph size={20} />
          <span>{t('shop.me.orders')}</span>
          <span aria-hidden>›</span>
        </Link>
        <Link className="me-link" to="/cart" data-testid="cart-link">
          <BagGlyph size={20} />
          <span>{t('shop.me.cart')}</span>
          <span aria-hidden>›</span>
        </Link>
      </nav>
      <ContinueRow />
      <FollowsGrid />
      <HistoryList />
      <div className="settings-row">
        <span>{t('me.language')}</span>
        <LanguageSwitch />
      </div>
      <button type="button" className="btn btn--ghost btn--block" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
        {t('auth.signOut')}
      </button>
    </div>
  );
}

function ContinueRow(): ReactNode {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: keys.continueWatching, queryFn: () => endpoints.continueWatching() });
  const items = query.data?.items ?? [];
  return (
    <section className="section" data-testid="continue-watching">
      <h2 className="section-title">{t('me.continue')}</h2>
      {query.isPending ? (
        <div className="skeleton-row" />
      ) : items.length === 0 ? (
        <p className="muted">{t('me.continueEmpty')}</p>
      ) : (
        <ul className="card-row">
          {items.map((item) => (
            <li key={item.series.id}>
              <Link className="resume-card" to={resumeLink(item)} data-testid="continue-item">
                <Cover className="resume-card__cover" src={item.series.coverUrl} title={item.series.title} />
                <span className="resume-card__bar">
                  <span style={{ width: `${watchedFraction(item.positionMs, item.episode.durationMs) * 100}%` }} />
                </span>
                <span className="resume-card__title">{item.series.title}</span>
                <span className="resume-card__meta">
                  {t('episode.number', { n: item.episode.number })} · {formatClock(item.positionMs / 1000)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FollowsGrid(): ReactNode {
  const { t } = useTranslation();
  const follows = useFollows();
  const items = follows.data?.items ?? [];
  return (
    <section className="section" data-testid="follows">
      <h2 className="section-title">{t('me.follows')}</h2>
      {follows.isPending ? (
        <div className="skeleton-row" />
      ) : items.length === 0 ? (
        <p className="muted">{t('me.followsEmpty')}</p>
      ) : (
        <ul className="poster-grid">
          {items.map((series) => (
            <li key={series.id}>
              <Link className="poster" to={`/series/${series.id}`}>
                <Cover className="poster__cover" src={series.coverUrl} title={series.title} />
                <span className="poster__title">{series.title}</span>
                <span className="poster__meta">{t('series.count', { count: series.episodeCount })}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function HistoryList(): ReactNode {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: keys.history, queryFn: () => endpoints.history() });
  const items: HistoryItem[] = query.data?.items ?? [];
  return (
    <section className="section" data-testid="history">
      <h2 className="section-title">{t('me.history')}</h2>
      {query.isPending ? (
        <div className="skeleton-row" />
      ) : items.length === 0 ? (
        <p className="muted">{t('me.historyEmpty')}</p>
      ) : (
        <ul className="history">
          {items.map((item) => (
            <li key={`${item.episode.id}-${item.updatedAt}`}>
              <Link className="history__item" to={item.completed ? `/watch/${item.episode.id}` : resumeLink(item)}>
                <Cover className="history__cover" src={item.series.coverUrl} title={item.series.title} />
                <span className="history__text">
                  <span className="history__title">{item.series.title}</span>
                  <span className="muted">
                    {t('episode.number', { n: item.episode.number })} · {item.episode.title}
                  </span>
                </span>
                <span className="history__state">
                  {item.completed ? t('me.watched') : formatClock(item.positionMs / 1000)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
