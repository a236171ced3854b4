import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { shop, shopKeys, type BuyerOrder } from '../api/shop.ts';
import { back, Link } from '../lib/router.tsx';
import { formatDateTime, formatMoney } from '../paywall/money.ts';
import { Problem } from '../paywall/problem.tsx';
import { BackGlyph } from '../ui/icons.tsx';
import { signInPath, watchPath } from './links.ts';
import { optionsText, OrderSummary, StatusChip } from './order-parts.tsx';
import { RefundSection } from './refund-request.tsx';
import './shop.css';

function Header({ title, fallback }: { title: string; fallback: string }): ReactNode {
  const { t } = useTranslation();
  return (
    <header className="page-top">
      <button type="button" className="icon-button" onClick={() => back(fallback)} aria-label={t('common.back')}>
        <BackGlyph size={20} />
      </button>
      <h1>{title}</h1>
    </header>
  );
}

function SignedIn({ testId, title, fallback, here, children }: { testId: string; title: string; fallback: string; here: string; children: ReactNode }): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  return (
    <div className="page page--narrow shop-page" data-testid={testId}>
      <Header title={title} fallback={fallback} />
      {loading ? (
        <div className="skeleton-row" />
      ) : session.user ? (
        children
      ) : (
        <div className="empty">
          <p>{t('shop.orders.signIn')}</p>
          <Link className="btn btn--primary" to={signInPath(here)}>
            {t('auth.signIn')}
          </Link>
        </div>
      )}
    </div>
  );
}

/** `/orders`: the viewer's orders, newest first. */
export function OrdersPage(): ReactNode {
  const { t } = useTranslation();
  return (
    <SignedIn testId="orders-page" title={t('shop.orders.title')} fallback="/me" here="/orders">
      <OrderList />
    </SignedIn>
  );
}

function OrderList(): ReactNode {
  const { t } = useTranslation();
  const query = useInfiniteQuery({
    queryKey: shopKeys.orders,
    queryFn: ({ pageParam }) => shop.orders(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  if (query.isPending) return <div className="skeleton-row" />;
  if (query.isError) return <Problem error={query.error} testId="orders-error" />;
  const orders = query.data.pages.flatMap((page) => page.items);
  if (orders.length === 0) return <p className="muted" data-testid="orders-empty">{t('shop.orders.empty')}</p>;
  return (
    <>
      <ul className="shop-orders">
        {orders.map((order) => (
          <li key={order.id}>
            <OrderCard order={order} />
          </li>
        ))}
      </ul>
      {query.hasNextPage && (
        <button type="button" className="btn btn--ghost btn--block" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {t('wallet.more')}
        </button>
      )}
    </>
  );
}

function OrderCard({ order }: { order: BuyerOrder }): ReactNode {
  const { t } = useTranslation();
  const first = order.lines[0];
  const more = order.lines.length - 1;
  return (
    <Link className="shop-order" to={`/orders/${order.id}`} data-testid="order-item" data-order-id={order.id}>
      <span className="shop-order__top">
        <StatusChip status={order.status} />
        <span className="muted shop-order__date">{formatDateTime(order.createdAt)}</span>
      </span>
      <span className="muted shop-order__shop" data-testid="order-shop">
        {order.shopName}
      </span>
      {first && (
        <span className="shop-order__title">
          {first.title}
          {Object.keys(first.options).length > 0 && <span className="muted"> · {optionsText(first.options)}</span>}
          <span className="muted"> × {first.quantity}</span>
          {more > 0 && <span className="muted"> {t('shop.orders.more', { count: more })}</span>}
        </span>
      )}
      <span className="shop-order__bottom">
        {order.trackingNumber ? (
          <span className="shop-order__tracking" data-testid="order-tracking">
            {order.carrier} · {order.trackingNumber}
          </span>
        ) : (
          <span />
        )}
        <strong>{formatMoney(order.totalMinor, order.currency)}</strong>
      </span>
    </Link>
  );
}

/** `/orders/:id`: status with its dates, tracking, lines, totals and address. */
export function OrderDetailPage({ orderId }: { orderId: string }): ReactNode {
  const { t } = useTranslation();
  return (
    <SignedIn testId="order-page" title={t('shop.orders.detail')} fallback="/orders" here={`/orders/${orderId}`}>
      <OrderDetail orderId={orderId} />
    </SignedIn>
  );
}

function OrderDetail({ orderId }: { orderId: string }): ReactNode {
  const { t } = useTranslation();
  // While the shop decides on a refund request, look again now and then so "Refunded" shows up by itself.
  const query = useQuery({
    queryKey: shopKeys.order(orderId),
    queryFn: () => shop.order(orderId),
    refetchInterval: (q) => (q.state.data?.status === 'refund_requested' ? 15_000 : false),
  });
  if (query.isPending) return <div className="skeleton-row" />;
  if (query.isError) return <Problem error={query.error} testId="order-error" />;
  const order = query.data;
  const steps: [string, string | null][] = [
    [t('shop.orders.placedAt'), order.createdAt],
    [t('shop.orders.status.paid'), order.paidAt],
    [t('shop.orders.status.shipped'), order.shippedAt],
    [t('shop.orders.status.delivered'), order.deliveredAt],
    [t('shop.orders.status.cancelled'), order.cancelledAt],
    [t('shop.orders.status.refunded'), order.refundedAt],
  ];
  const { address } = order;
  return (
    <>
      <section className="shop-panel">
        <p className="shop-order__top">
          <StatusChip status={order.status} />
          <span className="muted shop-order__id">{order.id}</span>
        </p>
        <p className="muted shop-note" data-testid="order-shop">
          {t('shop.soldBy', { shop: order.shopName })}
        </p>
        {order.status === 'pending_payment' && <p className="muted shop-note">{t('shop.orders.pendingNote', { time: formatDateTime(order.reservedUntil) })}</p>}
        <ol className="shop-timeline">
          {steps
            .filter((step): step is [string, string] => step[1] !== null)
            .map(([label, at]) => (
              <li key={label}>
                <span>{label}</span>
                <span className="muted">{formatDateTime(at)}</span>
              </li>
            ))}
        </ol>
        {order.trackingNumber && (
          <p className="shop-tracking" data-testid="order-tracking">
            {t('shop.orders.tracking', { carrier: order.carrier ?? '', number: order.trackingNumber })}
          </p>
        )}
      </section>
      <section className="shop-panel">
        <OrderSummary
          lines={order.lines.map((line) => ({ key: line.id, title: line.title, options: line.options, image: line.image, unitPriceMinor: line.unitPriceMinor, currency: order.currency, quantity: line.quantity }))}
          totals={{ subtotalMinor: order.subtotalMinor, shippingMinor: order.shippingMinor, totalMinor: order.totalMinor, currency: order.currency }}
        />
      </section>
      <RefundSection order={order} />
      <section className="shop-panel">
        <h2 className="section-title">{t('shop.checkout.address')}</h2>
        <address className="shop-address-view">
          {address.name} · {address.phone}
          <br />
          {address.line1}
          {address.line2 ? `, ${address.line2}` : ''}
          <br />
          {address.city} {address.postcode} · {address.country}
        </address>
      </section>
      {order.returnTo && (
        <Link className="btn btn--ghost btn--block" to={watchPath(order.returnTo)}>
          {t('shop.backToEpisode')}
        </Link>
      )}
    </>
  );
}
