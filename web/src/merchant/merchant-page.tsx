import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { Link, useLocation } from '../lib/router.tsx';
import { MerchantOnly } from './guard.tsx';
import { ImportPanel } from './import-panel.tsx';
import { OffersPanel } from './offers-panel.tsx';
import { OrdersPanel } from './orders-panel.tsx';
import { ProductsPanel } from './products-panel.tsx';
import { WebhooksPanel } from './webhooks-panel.tsx';
import './merchant.css';

const TABS = ['products', 'import', 'offers', 'orders', 'webhooks'] as const;
type Tab = (typeof TABS)[number];

function tabOf(value: string | null): Tab {
  return TABS.find((tab) => tab === value) ?? 'products';
}

export function MerchantPage(): ReactNode {
  return (
    <MerchantOnly>
      <MerchantConsole />
    </MerchantOnly>
  );
}

function MerchantConsole(): ReactNode {
  const { t } = useTranslation();
  const { search } = useLocation();
  const { session } = useSession();
  const tab = tabOf(search.get('tab'));
  const shop = session.orgs.find((org) => org.kind === 'shop');
  let body: ReactNode;
  switch (tab) {
    case 'products':
      body = <ProductsPanel />;
      break;
    case 'import':
      body = <ImportPanel />;
      break;
    case 'offers':
      body = <OffersPanel />;
      break;
    case 'orders':
      body = <OrdersPanel />;
      break;
    case 'webhooks':
      body = <WebhooksPanel />;
      break;
    default: {
      const unreachable: never = tab;
      throw new Error(`unknown tab ${String(unreachable)}`);
    }
  }
  return (
    <div className="page page--wide merchant" data-testid="merchant-page">
      <header className="page-header">
        <div>
          <h1>{t('merchant.title')}</h1>
          <p className="muted">{shop ? shop.name : t('merchant.subtitle')}</p>
        </div>
      </header>
      <nav className="merchant-tabs" aria-label={t('merchant.title')}>
        {TABS.map((name) => (
          <Link
            key={name}
            to={`/merchant?tab=${name}`}
            replace
            className={`merchant-tabs__tab${name === tab ? ' merchant-tabs__tab--on' : ''}`}
            aria-current={name === tab ? 'page' : undefined}
          >
            {t(`merchant.tabs.${name}`)}
          </Link>
        ))}
      </nav>
      {body}
    </div>
  );
}
