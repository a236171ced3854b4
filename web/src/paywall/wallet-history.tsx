import { useInfiniteQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall, paywallKeys, type WalletEntry } from '../api/paywall.ts';
import { formatDateTime } from './money.ts';

const KINDS = ['coin_topup', 'bonus_grant', 'coin_spend', 'coin_refund', 'bonus_expiry'] as const;
type Kind = (typeof KINDS)[number];
const isKind = (kind: string): kind is Kind => (KINDS as readonly string[]).includes(kind);

/** Every coin movement, newest first, a page at a time, with the balance after each. */
export function WalletHistory(): ReactNode {
  const { t } = useTranslation();
  const history = useInfiniteQuery({
    queryKey: paywallKeys.walletHistory,
    queryFn: ({ pageParam }) => paywall.walletHistory(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="section" data-testid="wallet-history">
      <h2 className="section-title">{t('wallet.history')}</h2>
      {history.isPending ? (
        <div className="skeleton-row" />
      ) : items.length === 0 ? (
        <p className="muted">{t('wallet.historyEmpty')}</p>
      ) : (
        <ul className="ledger">
          {items.map((item) => (
            <Row key={item.entryId} item={item} />
          ))}
        </ul>
      )}
      {history.hasNextPage && (
        <button type="button" className="btn btn--ghost btn--block" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          {t('wallet.more')}
        </button>
      )}
    </section>
  );
}

function Row({ item }: { item: WalletEntry }): ReactNode {
  const { t } = useTranslation();
  const label = isKind(item.kind) ? t(`wallet.kinds.${item.kind}`) : item.kind;
  const parts = [item.paid !== 0 && t('wallet.paidPart', { count: item.paid }), item.bonus !== 0 && t('wallet.bonusPart', { count: item.bonus })].filter(Boolean);
  return (
    <li className="ledger__row" data-testid="wallet-entry" data-kind={item.kind}>
      <span className="ledger__text">
        <span className="ledger__title">{label}</span>
        <span className="muted">{item.description}</span>
        <span className="muted ledger__when">
          {formatDateTime(item.createdAt)}
          {parts.length > 1 && ` · ${parts.join(' + ')}`}
        </span>
      </span>
      <span className="ledger__numbers">
        <span className={`ledger__amount${item.amount >= 0 ? ' ledger__amount--in' : ''}`}>
          {item.amount > 0 ? '+' : ''}
          {item.amount}
        </span>
        <span className="muted">{t('wallet.after', { count: item.balanceAfter })}</span>
      </span>
    </li>
  );
}
