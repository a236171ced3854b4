import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { endpoints } from '../api/endpoints.ts';
import { ORDER_STATUSES, type Attribution, type Order, type OrderStatus } from '../api/commerce-types.ts';
import { merchantApi, merchantKeys } from '../api/merchant.ts';
import { formatClock } from '../lib/format.ts';
import { useIntentKeys } from '../paywall/intent-key.ts';
import { ProblemLine } from './guard.tsx';
import { formatDateTime, formatMinor } from './money.ts';

const REFUNDABLE: OrderStatus[] = ['paid', 'shipped', 'delivered', 'refund_requested'];
// A console left open should notice new orders and refund requests without a reload.
const REFRESH_MS = 30_000;
type RefundLine = { lineId: string; quantity: number };

export function OrdersPanel(): ReactNode {
  const { t } = useTranslation();
  const [status, setStatus] = useState<OrderStatus | null>(null);
  const orders = useInfiniteQuery({
    queryKey: merchantKeys.orders(status),
    queryFn: ({ pageParam }) => merchantApi.shopOrders(status, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: REFRESH_MS,
  });
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section data-testid="orders-panel">
      <div className="merchant-toolbar">
        <h2 className="section-title">{t('merchant.tabs.orders')}</h2>
        <label className="field field--select merchant-filter">
          <span>{t('merchant.status')}</span>
          <select value={status ?? ''} onChange={(e) => setStatus(ORDER_STATUSES.find((s) => s === e.target.value) ?? null)}>
            <option value="">{t('merchant.allStatuses')}</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`merchant.orderStatus.${s}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {status !== 'refund_requested' && <RefundsWaiting onShow={() => setStatus('refund_requested')} />}
      {orders.isPending ? (
        <div className="spinner" />
      ) : orders.isError ? (
        <ProblemLine error={orders.error} fallback={t('common.failed')} />
      ) : items.length === 0 ? (
        <p className="muted">{t('merchant.noOrders')}</p>
      ) : (
        <div className="order-list">
          {items.map((order) => (
            <OrderCard key={order.id} order={order} />
          ))}
        </div>
      )}
      {orders.hasNextPage && (
        <button type="button" className="btn btn--ghost btn--small merchant-more" disabled={orders.isFetchingNextPage} onClick={() => void orders.fetchNextPage()}>
          {t('merchant.more')}
        </button>
      )}
    </section>
  );
}

/** Refund requests are the orders that wait on the merchant: say how many, one click from the list of them. */
function RefundsWaiting({ onShow }: { onShow: () => void }): ReactNode {
  const { t } = useTranslation();
  const waiting = useQuery({ queryKey: ['merchant', 'orders', 'refund_requested', 'count'], queryFn: () => merchantApi.shopOrders('refund_requested', null), refetchInterval: REFRESH_MS });
  const count = waiting.data?.items.length ?? 0;
  if (count === 0) return null;
  return (
    <p className="order-waiting" data-testid="refunds-waiting" role="status">
      <span>{t(waiting.data?.nextCursor ? 'merchant.refundsWaitingMany' : 'merchant.refundsWaiting', { count })}</span>
      <button type="button" className="btn btn--small btn--secondary" onClick={onShow}>
        {t('merchant.showThem')}
      </button>
    </p>
  );
}

function requestText(order: Order, request: RefundLine[] | null, wholeOrder: string): string {
  if (!request) return wholeOrder;
  return request
    .map((r) => {
      const line = order.lines.find((l) => l.id === r.lineId);
      return line ? `${line.title}${Object.keys(line.options).length > 0 ? ` / ${Object.values(line.options).join(' / ')}` : ''}\u00a0×\u00a0${r.quantity}` : `×\u00a0${r.quantity}`;
    })
    .join(', ');
}

function OrderCard({ order }: { order: Order }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [mode, setMode] = useState<'none' | 'ship' | 'refund'>('none');
  const refresh = (): void => {
    setMode('none');
    void client.invalidateQueries({ queryKey: ['merchant', 'orders'] });
  };
  const deliver = useMutation({ mutationFn: () => merchantApi.deliver(order.id), onSuccess: refresh });
  const money = (minor: number): string => formatMinor(minor, order.currency);
  const requested = order.status === 'refund_requested';
  return (
    <article className={`order-card${requested ? ' order-card--refund-requested' : ''}`} data-testid="shop-order" data-order-id={order.id} data-status={order.status}>
      <header className="order-card__head">
        <div>
          <strong className="order-card__id">{order.id}</strong>
          <span className="muted"> · {formatDateTime(order.createdAt)}</span>
          <div className="muted merchant-small">
            {order.address.name} · {order.address.city} {order.address.postcode} · {order.address.country}
          </div>
        </div>
        <div className="order-card__right">
          <span className={`status order-status--${order.status}`} data-testid="order-status">
            {t(`merchant.orderStatus.${order.status}`)}
          </span>
          <span className="order-card__total" data-testid="order-total">
            {money(order.totalMinor)}
          </span>
        </div>
      </header>
      <table className="merchant-grid-table order-lines">
        <thead>
          <tr>
            <th>{t('merchant.item')}</th>
            <th>{t('merchant.qty')}</th>
            <th>{t('merchant.lineTotal')}</th>
            <th>{t('merchant.attribution')}</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr key={line.id} data-testid="order-line">
              <td>
                {line.title}
                {Object.keys(line.options).length > 0 && <span className="muted"> · {Object.values(line.options).join(' / ')}</span>}
                <div className="muted merchant-small">{money(line.unitPriceMinor)}</div>
              </td>
              <td>
                {line.quantity}
                {line.refundedQuantity > 0 && <div className="merchant-small order-refunded">{t('merchant.refundedQty', { count: line.refundedQuantity })}</div>}
              </td>
              <td>{money(line.lineTotalMinor)}</td>
              <td>{line.attribution ? <AttributionCell attribution={line.attribution} /> : <span className="muted">{t('merchant.unattributed')}</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {requested && (
        <p className="order-request" data-testid="refund-request">
          {t('merchant.refundRequested', { what: requestText(order, order.refundRequest, t('merchant.wholeOrder')) })}
        </p>
      )}
      <footer className="order-card__foot">
        <span className="muted merchant-small">
          {t('merchant.subtotal')} {money(order.subtotalMinor)} · {t('merchant.shipping')} {money(order.shippingMinor)}
          {order.refundedMinor > 0 && ` · ${t('merchant.refundedAmount')} ${money(order.refundedMinor)}`}
          {order.carrier && ` · ${order.carrier} ${order.trackingNumber ?? ''}`}
        </span>
        <span className="order-card__actions">
          {order.status === 'paid' && (
            <button type="button" className="btn btn--small btn--secondary" onClick={() => setMode(mode === 'ship' ? 'none' : 'ship')}>
              {t('merchant.ship')}
            </button>
          )}
          {order.status === 'shipped' && (
            <button type="button" className="btn btn--small btn--secondary" disabled={deliver.isPending} onClick={() => deliver.mutate()}>
              {t('merchant.deliver')}
            </button>
          )}
          {requested && <RefundAsRequested order={order} onDone={refresh} />}
          {REFUNDABLE.includes(order.status) && (
            <button type="button" className="btn btn--small btn--ghost" onClick={() => setMode(mode === 'refund' ? 'none' : 'refund')}>
              {t('merchant.refund')}
            </button>
          )}
        </span>
      </footer>
      <ProblemLine error={deliver.error} fallback={t('common.failed')} />
      {mode === 'ship' && <ShipForm order={order} onDone={refresh} />}
      {mode === 'refund' && <RefundForm order={order} onDone={refresh} />}
    </article>
  );
}

/** Where the sale came from: series, episode, placement and the second, with the kind of touch. */
function AttributionCell({ attribution }: { attribution: Attribution }): ReactNode {
  const { t } = useTranslation();
  const episode = useQuery({ queryKey: ['episode', attribution.episodeId], queryFn: () => endpoints.episode(attribution.episodeId), staleTime: 300_000, retry: false });
  const series = useQuery({ queryKey: ['series', attribution.seriesId], queryFn: () => endpoints.series(attribution.seriesId), staleTime: 300_000, retry: false });
  return (
    <div className="order-attribution" data-testid="attribution" data-episode-id={attribution.episodeId} data-placement-id={attribution.placementId} data-at-ms={attribution.atMs}>
      <span>
        <strong>{series.data?.title ?? attribution.seriesId}</strong>
        {' · '}
        {episode.data ? t('merchant.episodeRef', { n: episode.data.number, title: episode.data.title }) : attribution.episodeId}
        {' · '}
        {formatClock(attribution.atMs / 1000)}
      </span>
      <span className="muted merchant-small">
        {t(`merchant.touch.${attribution.touchType}`)} · {t('merchant.placementRef', { id: attribution.placementId })} · {formatDateTime(attribution.touchedAt)}
      </span>
    </div>
  );
}

function ShipForm({ order, onDone }: { order: Order; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const [carrier, setCarrier] = useState('');
  const [tracking, setTracking] = useState('');
  const ship = useMutation({ mutationFn: () => merchantApi.ship(order.id, carrier.trim(), tracking.trim()), onSuccess: onDone });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (carrier.trim() && tracking.trim()) ship.mutate();
  };
  return (
    <form className="merchant-inline-form order-card__form" onSubmit={submit} data-testid="ship-form">
      <label className="field">
        <span>{t('merchant.carrier')}</span>
        <input required maxLength={60} value={carrier} onChange={(e) => setCarrier(e.target.value)} />
      </label>
      <label className="field">
        <span>{t('merchant.trackingNumber')}</span>
        <input required maxLength={80} value={tracking} onChange={(e) => setTracking(e.target.value)} />
      </label>
      <button type="submit" className="btn btn--primary btn--small" disabled={ship.isPending}>
        {t('merchant.markShipped')}
      </button>
      <ProblemLine error={ship.error} fallback={t('common.failed')} />
    </form>
  );
}

function RefundForm({ order, onDone }: { order: Order; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const requested = new Map((order.refundRequest ?? []).map((r) => [r.lineId, r.quantity]));
  const [quantities, setQuantities] = useState<Record<string, number>>(() =>
    Object.fromEntries(order.lines.map((line) => [line.id, requested.get(line.id) ?? 0])),
  );
  const refund = useRefund(order, onDone);
  const chosen = Object.entries(quantities)
    .filter(([, quantity]) => quantity > 0)
    .map(([lineId, quantity]) => ({ lineId, quantity }));
  // Every unit left, named: without lines the server would refund only what the buyer asked for.
  const everything = order.lines.filter((line) => line.quantity > line.refundedQuantity).map((line) => ({ lineId: line.id, quantity: line.quantity - line.refundedQuantity }));
  return (
    <div className="order-card__form" data-testid="refund-form">
      {order.lines.map((line) => {
        const left = line.quantity - line.refundedQuantity;
        return (
          <label key={line.id} className="field field--inline">
            <span>
              {line.title} ({t('merchant.refundable', { count: left })})
            </span>
            <input
              type="number"
              min={0}
              max={left}
              value={quantities[line.id] ?? 0}
              disabled={left === 0}
              onChange={(e) => {
                setQuantities((all) => ({ ...all, [line.id]: Math.min(left, Math.max(0, Math.trunc(Number(e.target.value) || 0))) }));
              }}
            />
          </label>
        );
      })}
      <div className="merchant-form__actions">
        <button type="button" className="btn btn--small btn--primary" disabled={refund.isPending || chosen.length === 0} onClick={() => refund.mutate(chosen)}>
          {t('merchant.refundLines')}
        </button>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          disabled={refund.isPending || everything.length === 0}
          onClick={() => refund.mutate(everything)}
        >
          {t('merchant.refundAll', { amount: formatMinor(order.totalMinor - order.refundedMinor, order.currency) })}
        </button>
      </div>
      <ProblemLine error={refund.error} fallback={t('common.failed')} />
    </div>
  );
}

/**
 * A refund with one Idempotency-Key per intent (this order, these lines): a retried or doubled click
 * replays the first refund instead of making a second; other lines are another intent.
 */
function useRefund(order: Order, onDone: () => void) {
  const keys = useIntentKeys();
  return useMutation({
    mutationFn: (lines: RefundLine[] | null) => merchantApi.refund(order.id, lines, keys.key(`refund:${order.id}:${JSON.stringify(lines)}`)),
    onSuccess: (_order, lines) => {
      keys.done(`refund:${order.id}:${JSON.stringify(lines)}`);
      onDone();
    },
  });
}

/** What the buyer asked for, in one click (no lines: the server refunds the buyer's request). */
function RefundAsRequested({ order, onDone }: { order: Order; onDone: () => void }): ReactNode {
  const { t } = useTranslation();
  const refund = useRefund(order, onDone);
  return (
    <>
      <button type="button" className="btn btn--small btn--primary" disabled={refund.isPending} onClick={() => refund.mutate(null)} data-testid="refund-as-requested">
        {t('merchant.refundAsRequested')}
      </button>
      {refund.error ? <ProblemLine error={refund.error} fallback={t('common.failed')} /> : null}
    </>
  );
}
