import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentStatus } from '../api/paywall.ts';
import { navigate, useLocation } from '../lib/router.tsx';
import { bumpAccess } from './access-version.ts';
import { RETURN_PARAM, settledStatus, takePendingPayment, type PaymentKind } from './pending-payment.ts';

type Notice = { state: 'waiting'; kind: PaymentKind } | { state: 'done'; kind: PaymentKind; status: PaymentStatus };

const NOTICE_MS = 4000;

/** Back from the hosted payment page: wait for the payment to settle, then refresh balances and access in place. */
export function PaymentReturn(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { pathname, search } = useLocation();
  const returned = search.has(RETURN_PARAM);
  const [notice, setNotice] = useState<Notice | null>(null);

  useEffect(() => {
    if (!returned) return;
    const url = new URL(window.location.href);
    url.searchParams.delete(RETURN_PARAM);
    navigate(url.pathname + url.search, { replace: true });
    const pending = takePendingPayment();
    const refresh = (): void => {
      void client.invalidateQueries({ queryKey: ['paywall'] });
      void client.invalidateQueries({ queryKey: ['series'] });
      bumpAccess();
    };
    if (!pending) {
      refresh();
      return;
    }
    const abort = new AbortController();
    setNotice({ state: 'waiting', kind: pending.kind });
    settledStatus(pending.paymentId, abort.signal)
      .then((status) => {
        refresh();
        setNotice({ state: 'done', kind: pending.kind, status });
      })
      .catch(() => {
        refresh();
        setNotice(null);
      });
    // Not aborted on unmount on purpose: the payment settles whatever page the viewer moves to.
  }, [returned, pathname, client]);

  useEffect(() => {
    if (notice?.state !== 'done') return;
    const timer = window.setTimeout(() => setNotice(null), NOTICE_MS);
    return () => window.clearTimeout(timer);
  }, [notice]);

  if (!notice) return null;
  let text: string;
  if (notice.state === 'waiting') text = t('paywall.payment.waiting');
  else if (notice.status === 'succeeded') text = notice.kind === 'vip' ? t('paywall.payment.vipDone') : t('paywall.payment.coinsDone');
  else if (notice.status === 'requires_payment') text = t('paywall.payment.pending');
  else text = t('paywall.payment.failed');
  return (
    <div className={`toast${notice.state === 'done' && notice.status !== 'succeeded' ? ' toast--bad' : ''}`} role="status" data-testid="payment-notice">
      {notice.state === 'waiting' && <span className="spinner spinner--small" aria-hidden />}
      {text}
    </div>
  );
}
