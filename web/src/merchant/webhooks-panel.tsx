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
  // The server answers the secret in full once: when the endpoint is created or the secret rotated.
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const keep = (saved: WebhookEndpoint): void => {
    if (saved.secret) setSecret(saved.secret);
    const { secret: _shownOnce, ...kept } = saved;
    client.setQueryData(merchantKeys.webhooks, (current: { deliveries: unknown[] } | undefined) => ({ endpoint: kept, deliveries: current?.deliveries ?? [] }));
  };
  const save = useMutation({ mutationFn: () => merchantApi.putWebhook({ url: url.trim(), enabled }), onSuccess: keep });
  const rotate = useMutation({
    mutationFn: () => merchantApi.rotateWebhookSecret(),
    onSuccess: (saved) => {
      setConfirming(false);
      keep(saved);
    },
  });
  const busy = save.isPending || rotate.isPending;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (url.trim()) save.mutate();
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
        <SecretOnce secret={secret} />
      ) : (
        endpoint && (
          <p className="muted merchant-small" data-testid="webhook-secret-hint">
            {t('merchant.secretHidden')} {t('merchant.secretHint')} <code>{endpoint.secretHint}</code>
          </p>
        )
      )}
      {confirming && (
        <div className="secret-rotate" role="alertdialog" aria-labelledby="rotate-secret-warning" data-testid="rotate-confirm">
          <p id="rotate-secret-warning">{t('merchant.rotateWarning')}</p>
          <div className="merchant-form__actions">
            <button type="button" className="btn btn--primary btn--small" disabled={busy} onClick={() => rotate.mutate()}>
              {t('merchant.rotateNow')}
            </button>
            <button type="button" className="btn btn--ghost btn--small" disabled={busy} onClick={() => setConfirming(false)}>
              {t('merchant.cancel')}
            </button>
          </div>
        </div>
      )}
      <ProblemLine error={save.error ?? rotate.error} fallback={t('common.failed')} />
      <div className="merchant-form__actions">
        <button type="submit" className="btn btn--primary" disabled={busy || !url.trim()}>
          {t('merchant.saveWebhook')}
        </button>
        {endpoint && !confirming && (
          <button type="button" className="btn btn--ghost" disabled={busy} onClick={() => setConfirming(true)}>
            {t('merchant.rotateSecret')}
          </button>
        )}
      </div>
    </form>
  );
}

/** The full secret, this once, with a copy button (selecting the text by hand works too). */
function SecretOnce({ secret }: { secret: string }): ReactNode {
  const { t } = useTranslation();
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copyIt = (): void => {
    navigator.clipboard.writeText(secret).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  };
  return (
    <div className="secret-once" data-testid="webhook-secret">
      <span>{t('merchant.secretOnce')}</span>
      <code>{secret}</code>
      <div className="merchant-form__actions">
        <button type="button" className="btn btn--secondary btn--small" onClick={copyIt}>
          {t('merchant.copySecret')}
        </button>
        <span className="merchant-small" role="status">
          {copy === 'copied' ? t('merchant.copied') : copy === 'failed' ? t('merchant.copyFailed') : ''}
        </span>
      </div>
    </div>
  );
}
