import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { merchantApi, merchantKeys, type WebhookEndpoint } from '../api/merchant.ts';
import { ProblemLine } from './guard.tsx';
import { formatDateTime } from './money.ts';

/** Where order.paid / order.shipped / order.refunded go. The signing secret is shown once, when made. */
export function WebhooksPanel(): ReactNode {
  const { t } = useTranslation();
  const hooks = useQuery({ queryKey: merchantKeys.webhooks, queryFn: () => merchantApi.webhooks() });
  if (hooks.isPending) return <div className="spinner" />;
  if (hooks.isError) return <ProblemLine error={hooks.error} fallback={t('common.failed')} />;
  const { endpoint, deliveries } = hooks.data;
  return (
    <section data-testid="webhooks-panel">
      <EndpointForm endpoint={endpoint} />
      <h2 className="section-title">{t('merchant.deliveries')}</h2>
      {deliveries.length === 0 ? (
        <p className="muted">{t('merchant.noDeliveries')}</p>
      ) : (
        <table className="merchant-grid-table">
          <thead>
            <tr>
              <th>{t('merchant.event')}</th>
              <th>{t('merchant.order')}</th>
              <th>{t('merchant.status')}</th>
              <th>{t('merchant.attempts')}</th>
              <th>{t('merchant.when')}</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id}>
                <td>{d.eventType}</td>
                <td>{d.orderId}</td>
                <td>
                  {t(`merchant.deliveryStatus.${d.status}`)}
                  {d.lastStatus !== null && <span className="muted"> · HTTP {d.lastStatus}</span>}
                  {d.lastError && <div className="merchant-small order-refunded">{d.lastError}</div>}
                </td>
                <td>{d.attempts}</td>
                <td>{formatDateTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EndpointForm({ endpoint }: { endpoint: WebhookEndpoint | null }): ReactNode {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [enabled, setEnabled] = useState(endpoint?.enabled ?? true);
  const [secret, setSecret] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (rotateSecret: boolean) => merchantApi.putWebhook({ url: url.trim(), enabled, ...(rotateSecret ? { rotateSecret } : {}) }),
    onSuccess: (saved, rotated) => {
      // The secret is displayed once: when the endpoint is created or the secret rotated.
      if (!endpoint || rotated) setSecret(saved.secret);
      client.setQueryData(merchantKeys.webhooks, (current: { deliveries: unknown[] } | undefined) => ({ endpoint: saved, deliveries: current?.deliveries ?? [] }));
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (url.trim()) save.mutate(false);
  };
  return (
    <form className="panel merchant-form" onSubmit={submit} data-testid="webhook-form">
      <h2 className="section-title">{t('merchant.webhookTitle')}</h2>
      <p className="muted">{t('merchant.webhookHint')}</p>
      <label className="field">
        <span>{t('merchant.webhookUrl')}</span>
        <input type="url" required minLength={8} maxLength={2000} placeholder="https://shop.example.com/hooks/dualstream" value={url} onChange={(e) => setUrl(e.target.value)} />
      </label>
      <label className="field--check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <span>{t('merchant.webhookEnabled')}</span>
      </label>
      {secret ? (
        <div className="secret-once" data-testid="webhook-secret">
          <span>{t('merchant.secretOnce')}</span>
          <code>{secret}</code>
        </div>
      ) : (
        endpoint && <p className="muted merchant-small">{t('merchant.secretHidden')}</p>
      )}
      <ProblemLine error={save.error} fallback={t('common.failed')} />
      <div className="merchant-form__actions">
        <button type="submit" className="btn btn--primary" disabled={save.isPending || !url.trim()}>
          {t('merchant.saveWebhook')}
        </button>
        {endpoint && (
          <button type="button" className="btn btn--ghost" disabled={save.isPending} onClick={() => save.mutate(true)}>
            {t('merchant.rotateSecret')}
          </button>
        )}
      </div>
    </form>
  );
}
