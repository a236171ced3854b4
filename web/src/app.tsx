import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SignInPage, SignUpPage } from './auth/auth-pages.tsx';
import { Link, Routes, useLocation, type Route } from './lib/router.tsx';
import { NewSeriesPage } from './studio/new-series-page.tsx';
import { StudioPage } from './studio/studio-page.tsx';
import { StudioSeriesPage } from './studio/studio-series-page.tsx';
import { PlacementEditorPage } from './studio/placements/placement-editor-page.tsx';
import { MerchantPage } from './merchant/merchant-page.tsx';
import { PaymentReturn } from './paywall/payment-return.tsx';
import { VipPage } from './paywall/vip-page.tsx';
import { WalletPage } from './paywall/wallet-page.tsx';
import { TabBar } from './ui/tab-bar.tsx';
import { FeedPage } from './viewer/feed-page.tsx';
import { MePage } from './viewer/me-page.tsx';
import { SeriesPage } from './viewer/series-page.tsx';
import { SoundProvider } from './viewer/sound.tsx';
import { WatchPage } from './viewer/watch-page.tsx';
import { CartPage } from './shop/cart-page.tsx';
import { CheckoutPage } from './shop/checkout-page.tsx';
import { OrderReturn } from './shop/order-return.tsx';
import { OrderDetailPage, OrdersPage } from './shop/orders-page.tsx';

const routes: Route[] = [
  { path: '/', render: () => <FeedPage /> },
  { path: '/watch/:episodeId', render: (p) => <WatchPage episodeId={p.episodeId ?? ''} /> },
  { path: '/series/:id', render: (p) => <SeriesPage seriesId={p.id ?? ''} /> },
  { path: '/me', render: () => <MePage /> },
  { path: '/wallet', render: () => <WalletPage /> },
  { path: '/vip', render: () => <VipPage /> },
  { path: '/signin', render: () => <SignInPage /> },
  { path: '/signup', render: () => <SignUpPage /> },
  { path: '/studio', render: () => <StudioPage /> },
  { path: '/studio/new', render: () => <NewSeriesPage /> },
  { path: '/studio/series/:id', render: (p) => <StudioSeriesPage seriesId={p.id ?? ''} /> },
  { path: '/studio/episodes/:id/placements', render: (p) => <PlacementEditorPage episodeId={p.id ?? ''} /> },
  { path: '/merchant', render: () => <MerchantPage /> },
  { path: '/cart', render: () => <CartPage /> },
  { path: '/checkout', render: () => <CheckoutPage /> },
  { path: '/orders', render: () => <OrdersPage /> },
  { path: '/orders/:id', render: (p) => <OrderDetailPage orderId={p.id ?? ''} /> },
];

function NotFound(): ReactNode {
  const { t } = useTranslation();
  return (
    <div className="page page--narrow">
      <div className="empty">
        <h1>404</h1>
        <p className="muted">{t('common.notFound')}</p>
        <Link className="btn btn--secondary" to="/">
          {t('nav.home')}
        </Link>
      </div>
    </div>
  );
}

export function App(): ReactNode {
  const { pathname } = useLocation();
  // The player pages own the whole screen; the watch page hides the tabs like a full-screen player.
  const immersive = pathname.startsWith('/watch/');
  const stage = pathname === '/' || immersive;
  return (
    // One sound switch for the whole visit: after the first tap, every player may start with sound.
    <SoundProvider>
      <div className={`app${stage ? ' app--stage' : ''}${immersive ? ' app--immersive' : ''}`}>
        <main className="app__main">
          <Routes routes={routes} fallback={<NotFound />} />
        </main>
        {!immersive && <TabBar />}
        <PaymentReturn />
        <OrderReturn />
      </div>
    </SoundProvider>
  );
}
