import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { Link, useLocation } from '../lib/router.tsx';
import { HomeGlyph, StudioGlyph, UserGlyph } from './icons.tsx';

interface Tab {
  to: string;
  label: string;
  icon: ReactNode;
  active: boolean;
}

/** Bottom tabs on a phone; a left rail on wide screens (same markup, CSS decides). */
export function TabBar(): ReactNode {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const { session } = useSession();
  const role = session.user?.role;
  const tabs: Tab[] = [
    { to: '/', label: t('nav.home'), icon: <HomeGlyph />, active: pathname === '/' },
    { to: '/me', label: t('nav.me'), icon: <UserGlyph />, active: pathname === '/me' },
  ];
  if (role === 'creator' || role === 'admin') {
    tabs.push({ to: '/studio', label: t('nav.studio'), icon: <StudioGlyph />, active: pathname.startsWith('/studio') });
  }
  if (role === 'merchant' || role === 'admin') {
    tabs.push({ to: '/merchant', label: t('merchant.nav'), icon: <StudioGlyph />, active: pathname.startsWith('/merchant') });
  }
  return (
    <nav className="tabbar" aria-label={t('nav.label')}>
      <span className="brand tabbar__brand">
        dual<b>stream</b>
      </span>
      {tabs.map((tab) => (
        <Link key={tab.to} to={tab.to} className={`tabbar__tab${tab.active ? ' tabbar__tab--on' : ''}`} aria-current={tab.active ? 'page' : undefined}>
          {tab.icon}
          <span>{tab.label}</span>
        </Link>
      ))}
    </nav>
  );
}
