import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall, paywallKeys, type CoinPurchase } from '../api/paywall.ts';
import { useIntentKeys } from './intent-key.ts';
import { formatDate, formatMoney } from './money.ts';
import { Problem } from './problem.tsx';

/** The viewer's coin pack purchases; an unused one can be refunded within 14 days, in one tap. */
export function CoinPurchases(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const keys = useIntentKeys();
  const purchases = useQuery({ queryKey: paywallKeys.purchases, queryFn: () => paywall.purchases() });
  const refund = useMutation({
    mutationFn: (paymentId: string) => paywall.refundPurchase(paymentId, keys.key(`refund:${paymentId}`)),
    onSuccess: (_result, paymentId) => {
      keys.done(`refund:${paymentId}`);
      void client.invalidateQueries({ queryKey: ['paywall'] });
    },
  });
  const items = purchases.data?.items.filter((p) => p.status !== 'requires_payment' && p.status !== 'failed') ?? [];
  if (items.length === 0) return null;
  return (
    <section className="section" data-testid="coin-purchases">
      <h2 className="section-title">{t('wallet.purchases')}</h2>
      <p className="muted small">{t('wallet.refundHint')}</p>
      <ul className="purchase-list">
        {items.map((p) => (
          <PurchaseRow key={p.paymentId} purchase={p} pending={refund.isPending && refund.variables === p.paymentId} onRefund={() => refund.mutate(p.paymentId)} />
        ))}
      </ul>
      <Problem error={refund.error} />
    </section>
  );
}

function PurchaseRow({ purchase, pending, onRefund }: { purchase: CoinPurchase; pending: boolean; onRefund: () => void }): ReactNode {
  const { t } = useTranslation();
  return (
    <li className="purchase-row" data-testid="coin-purchase">
      <span className="purchase-row__what">
        <strong>{purchase.description}</strong>
        <span className="muted small">
          {formatMoney(purchase.amountMinor, purchase.currency)} · {formatDate(purchase.paidAt ?? purchase.createdAt)}
        </span>
      </span>
      {purchase.refundable ? (
        <button type="button" className="btn btn--small btn--ghost" onClick={onRefund} disabled={pending} data-testid="refund-purchase">
          {t('wallet.refund')}
        </button>
      ) : (
        <span className="muted small">{t(`wallet.purchaseStatus.${purchase.status}`, { defaultValue: purchase.status })}</span>
      )}
    </li>
  );
}
