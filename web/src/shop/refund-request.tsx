import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { shop, shopKeys, type Order, type OrderStatus } from '../api/shop.ts';
import { formatMoney } from '../paywall/money.ts';
import { Problem } from '../paywall/problem.tsx';
import { optionsText } from './order-parts.tsx';

/** The statuses the server lets a buyer ask for a refund from (orders/state.ts). */
const REQUESTABLE: readonly OrderStatus[] = ['paid', 'shipped', 'delivered'];

type RefundLine = { lineId: string; quantity: number };

/**
 * The refund part of an order page: the request form while the order can still be refunded, what
 * was asked while the shop decides, and the amount once it has refunded. The request itself moves
 * no money (the merchant's refund does, with its own Idempotency-Key), so it needs no key: a
 * repeated request is refused by the state machine, not applied twice.
 */
export function RefundSection({ order }: { order: Order }): ReactNode {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      {order.status === 'refund_requested' && <RequestedNote order={order} />}
      {order.refundedMinor > 0 && (
        <section className="shop-panel shop-refund shop-refund--done" data-testid="order-refunded">
          <strong>{t('shop.orders.refunded', { amount: formatMoney(order.refundedMinor, order.currency) })}</strong>
          {order.refundedAt && <span className="muted shop-note">{t('shop.orders.refund.doneHint')}</span>}
        </section>
      )}
      {REQUESTABLE.includes(order.status) &&
        (open ? (
          <RefundForm order={order} onClose={() => setOpen(false)} />
        ) : (
          <button type="button" className="btn btn--ghost btn--block shop-refund__open" onClick={() => setOpen(true)} data-testid="refund-open">
            {t('shop.orders.refund.open')}
          </button>
        ))}
    </>
  );
}

function lineText(order: Order, request: RefundLine): string {
  const line = order.lines.find((l) => l.id === request.lineId);
  // No break inside "× 2": the count belongs to its item.
  if (!line) return `×\u00a0${request.quantity}`;
  const options = optionsText(line.options);
  return `${line.title}${options ? ` · ${options}` : ''}\u00a0×\u00a0${request.quantity}`;
}

function RequestedNote({ order }: { order: Order }): ReactNode {
  const { t } = useTranslation();
  const what = order.refundRequest ? order.refundRequest.map((r) => lineText(order, r)).join(', ') : t('shop.orders.refund.wholeOrder');
  return (
    <section className="shop-panel shop-refund shop-refund--waiting" data-testid="refund-requested">
      <strong>{t('shop.orders.status.refund_requested')}</strong>
      <span className="shop-note">{t('shop.orders.refund.requested', { what })}</span>
    </section>
  );
}

function RefundForm({ order, onClose }: { order: Order; onClose: () => void }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [scope, setScope] = useState<'whole' | 'lines'>('whole');
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const request = useMutation({
    mutationFn: (lines: RefundLine[] | null) => shop.requestRefund(order.id, lines),
    onSuccess: (updated) => {
      client.setQueryData(shopKeys.order(order.id), updated);
      void client.invalidateQueries({ queryKey: shopKeys.orders });
      onClose();
    },
  });
  const chosen: RefundLine[] = order.lines
    .map((line) => ({ lineId: line.id, quantity: quantities[line.id] ?? 0 }))
    .filter((line) => line.quantity > 0);
  const left = order.totalMinor - order.refundedMinor;
  const submit = (): void => request.mutate(scope === 'whole' ? null : chosen);
  return (
    <section className="shop-panel shop-refund" data-testid="refund-form">
      <h2 className="section-title">{t('shop.orders.refund.title')}</h2>
      <div className="shop-refund__scope" role="radiogroup" aria-label={t('shop.orders.refund.title')}>
        <button type="button" role="radio" aria-checked={scope === 'whole'} className={`shop-chip${scope === 'whole' ? ' shop-chip--on' : ''}`} onClick={() => setScope('whole')} data-testid="refund-whole">
          {t('shop.orders.refund.whole')}
          <span className="shop-chip__note" data-testid="refund-whole-amount">
            {formatMoney(left, order.currency)}
          </span>
        </button>
        <button type="button" role="radio" aria-checked={scope === 'lines'} className={`shop-chip${scope === 'lines' ? ' shop-chip--on' : ''}`} onClick={() => setScope('lines')} data-testid="refund-some">
          {t('shop.orders.refund.some')}
        </button>
      </div>
      {scope === 'lines' && (
        <ul className="shop-lines">
          {order.lines.map((line) => {
            const max = line.quantity - line.refundedQuantity;
            const value = quantities[line.id] ?? 0;
            const set = (next: number): void => setQuantities((all) => ({ ...all, [line.id]: Math.min(max, Math.max(0, next)) }));
            const options = optionsText(line.options);
            return (
              <li key={line.id} className="shop-line shop-refund__line" data-testid="refund-line" data-line-id={line.id}>
                <span className="shop-line__text">
                  <span className="shop-line__title">{line.title}</span>
                  <span className="muted shop-line__options">
                    {options ? `${options} · ` : ''}
                    {t('shop.orders.refund.ofBought', { count: max })}
                  </span>
                </span>
                <span className="shop-qty__stepper">
                  <button type="button" onClick={() => set(value - 1)} disabled={value <= 0} aria-label={t('shop.orders.refund.fewer', { title: line.title })}>
                    −
                  </button>
                  <output aria-live="polite" data-testid="refund-quantity">
                    {value}
                  </output>
                  <button type="button" onClick={() => set(value + 1)} disabled={value >= max} aria-label={t('shop.orders.refund.more', { title: line.title })}>
                    +
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <p className="muted shop-note">{t('shop.orders.refund.hint')}</p>
      <Problem error={request.error} testId="refund-error" />
      <div className="shop-sheet__actions">
        <button type="button" className="btn btn--ghost btn--grow" onClick={onClose} disabled={request.isPending}>
          {t('shop.orders.refund.cancel')}
        </button>
        <button
          type="button"
          className="btn btn--primary btn--grow"
          onClick={submit}
          disabled={request.isPending || (scope === 'lines' && chosen.length === 0)}
          data-testid="refund-submit"
        >
          {t('shop.orders.refund.submit')}
        </button>
      </div>
    </section>
  );
}
