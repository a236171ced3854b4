import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { paywall, paywallKeys, type VipMembership, type VipPlan } from '../api/paywall.ts';
import { useSession } from '../api/session.ts';
import { back, Link, useLocation } from '../lib/router.tsx';
import { BackGlyph } from '../ui/icons.tsx';
import { useIntentKeys } from './intent-key.ts';
import { formatDate, formatMoney } from './money.ts';
import { goToHostedPage, RETURN_PARAM } from './pending-payment.ts';
import { Problem } from './problem.tsx';

/** Only same-site paths: `next` comes from the address bar. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

/** /vip[?next=/watch/…]: plans, the current period, renewal (off unless turned on) and one-tap cancel. */
export function VipPage(): ReactNode {
  const { t } = useTranslation();
  const { session } = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const vip = useQuery({ queryKey: paywallKeys.vip, queryFn: () => paywall.vip() });
  const membership = vip.data?.membership ?? null;
  const current = membership && membership.periodEnd && (membership.active || Date.parse(membership.periodEnd) > Date.now()) ? membership : null;

  return (
    <div className="page page--narrow" data-testid="vip-page">
      <header className="page-top">
        <button type="button" className="icon-button" onClick={() => back(next ?? '/me')} aria-label={t('common.back')}>
          <BackGlyph />
        </button>
        <h1>{t('vip.title')}</h1>
      </header>
      <p className="muted">{t('vip.pitch')}</p>
      {vip.isPending && <div className="skeleton-row" />}
      {vip.isError && <Problem error={vip.error} />}
      {current && <MembershipCard membership={current} plans={vip.data?.plans ?? []} />}
      {next && current?.active && (
        <Link className="btn btn--primary btn--block" to={next} data-testid="vip-back-to-episode">
          {t('vip.backToEpisode')}
        </Link>
      )}
      {vip.data &&
        (session.user ? (
          <BuyForm plans={vip.data.plans} next={next} extending={current !== null} />
        ) : (
          <Link className="btn btn--primary btn--block" to={`/signin?next=${encodeURIComponent(`/vip${next ? `?next=${encodeURIComponent(next)}` : ''}`)}`}>
            {t('auth.signIn')}
          </Link>
        ))}
    </div>
  );
}

function planName(t: ReturnType<typeof useTranslation>['t'], planId: string | null): string {
  if (planId === 'weekly') return t('vip.weekly');
  if (planId === 'monthly') return t('vip.monthly');
  return planId ?? '';
}

function MembershipCard({ membership, plans }: { membership: VipMembership; plans: VipPlan[] }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const update = (value: VipMembership): void => {
    client.setQueryData(paywallKeys.vip, (old: { plans: VipPlan[]; membership: VipMembership | null } | undefined) => ({ plans: old?.plans ?? plans, membership: value }));
    void client.invalidateQueries({ queryKey: paywallKeys.vip });
  };
  const renew = useMutation({ mutationFn: (on: boolean) => paywall.setAutoRenew(on), onSuccess: update });
  const cancel = useMutation({ mutationFn: () => paywall.cancelVip(), onSuccess: update });
  const end = membership.periodEnd ? formatDate(membership.periodEnd) : '';
  const plan = plans.find((p) => p.id === membership.planId);
  return (
    <section className="vip-card" data-testid="vip-membership" data-auto-renew={String(membership.autoRenew)} data-cancelled={String(membership.cancelled)}>
      <span className="vip-card__badge">VIP</span>
      <strong>{planName(t, membership.planId)}</strong>
      <span data-testid="vip-period">
        {t('vip.period', { start: membership.periodStart ? formatDate(membership.periodStart) : '', end })}
      </span>
      {membership.cancelled || !membership.autoRenew ? (
        <p className="vip-card__note" data-testid="vip-ends">
          {t('vip.endsOn', { date: end })}
        </p>
      ) : (
        <p className="vip-card__note">{t('vip.renewsOn', { date: end, price: plan ? formatMoney(plan.priceMinor, plan.currency) : '' })}</p>
      )}
      <label className="switch">
        <input
          type="checkbox"
          checked={membership.autoRenew}
          disabled={renew.isPending}
          onChange={(e) => renew.mutate(e.target.checked)}
          data-testid="vip-auto-renew"
        />
        <span>{t('vip.autoRenew')}</span>
      </label>
      {!membership.cancelled && (
        <>
          <button type="button" className="btn btn--ghost btn--block" onClick={() => cancel.mutate()} disabled={cancel.isPending} data-testid="vip-cancel">
            {t('vip.cancel')}
          </button>
          <p className="muted vip-card__fine">{t('vip.cancelTerms', { date: end })}</p>
        </>
      )}
      <Problem error={renew.error ?? cancel.error} />
    </section>
  );
}

function BuyForm({ plans, next, extending }: { plans: VipPlan[]; next: string | null; extending: boolean }): ReactNode {
  const { t } = useTranslation();
  const keys = useIntentKeys();
  const [planId, setPlanId] = useState(() => plans.find((p) => p.id === 'monthly')?.id ?? plans[0]?.id ?? '');
  // Renewal is the viewer's choice, never a default.
  const [autoRenew, setAutoRenew] = useState(false);
  const plan = plans.find((p) => p.id === planId);
  const intent = `vip:${planId}:${autoRenew}`;
  const buy = useMutation({
    mutationFn: () => {
      const back = new URL(next ?? '/vip', window.location.origin);
      back.searchParams.set(RETURN_PARAM, '1');
      return paywall.buyVip(planId, autoRenew, back.toString(), keys.key(intent));
    },
    onSuccess: (created) => {
      keys.done(intent);
      goToHostedPage(created.paymentId, 'vip', created.redirectUrl);
    },
  });
  if (!plan) return null;
  const price = formatMoney(plan.priceMinor, plan.currency);
  return (
    <section className="section vip-buy" data-testid="vip-buy">
      <h2 className="section-title">{extending ? t('vip.extend') : t('vip.choose')}</h2>
      <div className="vip-plans" role="radiogroup" aria-label={t('vip.choose')}>
        {plans.map((p) => (
          <label key={p.id} className={`vip-plan${p.id === planId ? ' vip-plan--on' : ''}`} data-testid="vip-plan" data-plan-id={p.id}>
            <input type="radio" name="plan" value={p.id} checked={p.id === planId} onChange={() => setPlanId(p.id)} />
            <span className="vip-plan__name">{planName(t, p.id)}</span>
            <span className="vip-plan__price">{formatMoney(p.priceMinor, p.currency)}</span>
            <span className="muted">{t('vip.days', { count: p.days })}</span>
          </label>
        ))}
      </div>
      <label className="field field--check vip-renew">
        <input type="checkbox" checked={autoRenew} onChange={(e) => setAutoRenew(e.target.checked)} data-testid="vip-buy-auto-renew" />
        <span>{t('vip.autoRenewOffer')}</span>
      </label>
      <p className="muted vip-terms" data-testid="vip-terms">
        {autoRenew ? t('vip.termsOn', { price, count: plan.days }) : t('vip.termsOff', { count: plan.days })}
        {extending && ` ${t('vip.extendNote')}`}
      </p>
      <button type="button" className="btn btn--vip btn--block" onClick={() => buy.mutate()} disabled={buy.isPending} data-testid="vip-pay">
        {t('vip.pay', { price })}
      </button>
      <Problem error={buy.error} />
    </section>
  );
}
