import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { shop, shopKeys } from '../api/shop.ts';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import './shop.css';

/** The hosted payment page sends the buyer back with `checkout=<id>` (to the episode second, or to /me). */
const PARAM = 'checkout';
const POLL_MS = 700;
const GIVE_UP_MS = 30_000;
const SHOW_MS = 5000;

type Notice = 'waiting' | 'placed' | 'pending';

/** Waits for the provider's webhook to mark the checkout's orders paid, then says so briefly. */
export function OrderReturn(): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { search } = useLocation();
  const checkoutId = search.get(PARAM);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  // The marker leaves the address at once (a reload must not announce the order again).
  useEffect(() => {
    if (!checkoutId) return;
    const url = new URL(window.location.href);
    url.searchParams.delete(PARAM);
    navigate(url.pathname + url.search, { replace: true });
    setPending(checkoutId);
  }, [checkoutId]);

  useEffect(() => {
    if (!pending) return;
    setNotice('waiting');
    let live = true;
    const deadline = Date.now() + GIVE_UP_MS;
    const poll = async (): Promise<void> => {
      while (live) {
        try {
          const page = await shop.orders(null);
          const mine = page.items.filter((order) => order.checkoutId === pending);
          if (mine.length > 0 && mine.every((order) => order.status !== 'pending_payment')) {
            setNotice(mine.some((order) => order.status === 'cancelled') ? 'pending' : 'placed');
            break;
          }
        } catch {
          // Offline for a moment: keep asking until the deadline.
        }
        if (Date.now() > deadline) {
          setNotice('pending');
          break;
        }
        await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
      }
      void client.invalidateQueries({ queryKey: shopKeys.orders });
      void client.invalidateQueries({ queryKey: shopKeys.cart });
    };
    void poll();
    return () => {
      live = false;
    };
  }, [pending, client]);

  useEffect(() => {
    if (notice === null || notice === 'waiting') return;
    const timer = window.setTimeout(() => setNotice(null), SHOW_MS);
    return () => window.clearTimeout(timer);
  }, [notice]);

  if (!notice) return null;
  return (
    <div className={`toast shop-toast${notice === 'pending' ? ' toast--bad' : ''}`} role="status" data-testid="order-toast" data-state={notice}>
      {notice === 'waiting' && <span className="spinner spinner--small" aria-hidden />}
      <span>{t(`shop.toast.${notice}`)}</span>
      {notice !== 'waiting' && (
        <Link to="/orders" className="shop-toast__link">
          {t('shop.orders.title')}
        </Link>
      )}
    </div>
  );
}
