import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentStatus } from '../api/paywall.ts';
import { navigate, useLocation } from '../lib/router.tsx';
import { RETURN_PARAM, settledStatus, takePendingPayment, type PaymentKind } from './pending-payment.ts';
import { useAccessChanged } from './use-paywall-actions.ts';

type Notice = { state: 'waiting'; kind: PaymentKind } | { state: 'done'; kind: PaymentKind; status: PaymentStatus };

const NOTICE_MS = 4000;

/** Back from the hosted payment page: wait for the payment to settle, then refresh balances and access in place. */
export function PaymentReturn(): ReactNode {
  const { t } = useTranslation();
  const changed = useAccessChanged();
  const { pathname, search } = useLocation();
  const returned = search.has(RETURN_PARAM);
  const [notice, setNotice] = useState<Notice | null>(null);

  useEffect(() => {
    if (!returned) return;
    const url = new URL(window.location.href);
    url.searchParams.delete(RETURN_PARAM);
    navigate(url.pathname + url.search, { replace: true });
    const pending = takePendingPayment();
    if (!pending) {
      changed();
      return;
    }
    const abort = new AbortController();
    setNotice({ state: 'waiting', kind: pending.kind });
    settledStatus(pending.paymentId, abort.signal)
      .then((status) => {
        changed();
        setNotice({ state: 'done', kind: pending.kind, status });
      })
      .catch(() => {
        changed();
        setNotice(null);
      });
    // Not aborted on unmount on purpose: the payment settles whatever page the viewer moves to.
  }, [returned, pathname, changed]);

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
