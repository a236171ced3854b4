import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall, paywallKeys, type Wallet } from '../api/paywall.ts';
import { useSession } from '../api/session.ts';
import { back, Link } from '../lib/router.tsx';
import { BackGlyph, CheckGlyph, CoinGlyph } from '../ui/icons.tsx';
import { CapsForm } from './caps-form.tsx';
import { CoinPurchases } from './coin-purchases.tsx';
import { formatDate } from './money.ts';
import { PackPicker } from './pack-picker.tsx';
import { Problem } from './problem.tsx';
import { WalletHistory } from './wallet-history.tsx';

/** /wallet: balance (paid and bonus, with bonus expiry), daily check-in, coin packs, spending limits, full history. */
export function WalletPage(): ReactNode {
  const { t } = useTranslation();
  const { session, loading } = useSession();
  const wallet = useQuery({ queryKey: paywallKeys.wallet, queryFn: () => paywall.wallet(), enabled: session.user !== null });

  if (loading) return <div className="spinner spinner--page" aria-label={t('common.loading')} />;
  if (!session.user) {
    return (
      <div className="page page--narrow" data-testid="wallet-page">
        <div className="empty">
          <h1>{t('wallet.title')}</h1>
          <p className="muted">{t('wallet.signInFirst')}</p>
          <Link className="btn btn--primary" to="/signin?next=/wallet">
            {t('auth.signIn')}
          </Link>
        </div>
      </div>
    );
  }
  return (
    <div className="page page--narrow" data-testid="wallet-page">
      <header className="page-top">
        <button type="button" className="icon-button" onClick={() => back('/me')} aria-label={t('common.back')}>
          <BackGlyph />
        </button>
        <h1>{t('wallet.title')}</h1>
      </header>
      {wallet.isPending ? (
        <div className="skeleton-row" />
      ) : wallet.isError ? (
        <Problem error={wallet.error} />
      ) : (
        <>
          <BalanceCard wallet={wallet.data} />
          <CheckIn wallet={wallet.data} />
          <section className="section">
            <h2 className="section-title">{t('wallet.buy')}</h2>
            <PackPicker packs={wallet.data.packs} />
          </section>
          <CapsForm caps={wallet.data.caps} />
          <CoinPurchases />
        </>
      )}
      <WalletHistory />
    </div>
  );
}

function BalanceCard({ wallet }: { wallet: Wallet }): ReactNode {
  const { t } = useTranslation();
  const { balances } = wallet;
  const lots = [...balances.bonusLots].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  return (
    <section className="wallet-card" data-testid="wallet-balance">
      <span className="wallet-card__label">{t('paywall.balance')}</span>
      <span className="wallet-card__total">
        <CoinGlyph size={28} />
        <b data-testid="wallet-total">{balances.total}</b>
      </span>
      <span className="wallet-card__split">
        <span>{t('wallet.paid', { count: balances.paid })}</span>
        <span>{t('wallet.bonus', { count: balances.bonus })}</span>
      </span>
      {lots.length > 0 && (
        <ul className="wallet-card__lots">
          {lots.map((lot) => (
            <li key={`${lot.expiresAt}-${lot.source}`}>{t('wallet.bonusExpires', { count: lot.remaining, date: formatDate(lot.expiresAt) })}</li>
          ))}
        </ul>
      )}
      <Link className="wallet-card__vip" to="/vip">
        {t('vip.title')} →
      </Link>
    </section>
  );
}

function CheckIn({ wallet }: { wallet: Wallet }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const checkIn = useMutation({
    mutationFn: () => paywall.checkIn(),
    onSuccess: () => void client.invalidateQueries({ queryKey: paywallKeys.wallet }),
  });
  const done = wallet.checkIn.checkedInToday;
  return (
    <section className="check-in" data-testid="check-in">
      <span className="check-in__text">
        <strong>{t('wallet.checkIn')}</strong>
        <span className="muted">{t('wallet.streak', { count: wallet.checkIn.streak })}</span>
      </span>
      <button
        type="button"
        className={`btn btn--small ${done ? 'btn--ghost' : 'btn--gold'}`}
        onClick={() => checkIn.mutate()}
        disabled={done || checkIn.isPending}
        data-testid="check-in-button"
      >
        {done ? (
          <>
            <CheckGlyph size={14} /> {t('wallet.checkedIn')}
          </>
        ) : (
          t('wallet.checkInFor', { count: wallet.checkIn.nextReward })
        )}
      </button>
      <Problem error={checkIn.error} />
    </section>
  );
}
