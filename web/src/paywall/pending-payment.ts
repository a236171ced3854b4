import { paywall, type PaymentStatus } from '../api/paywall.ts';

/**
 * A top-up or VIP purchase leaves the app for the provider's hosted page. Before leaving we note the
 * payment id (this tab only); the page sends the buyer back to a URL carrying RETURN_PARAM, and the
 * app then waits for the webhook to settle the payment before asking for balances again.
 */
const STORAGE_KEY = 'ds.pendingPayment';
export const RETURN_PARAM = 'paid';

export type PaymentKind = 'coins' | 'vip';

export interface PendingPayment {
  paymentId: string;
  kind: PaymentKind;
}

/** The current address (episode included) with the return marker: where the hosted page sends the buyer back. */
export function returnUrlHere(): string {
  const url = new URL(window.location.href);
  url.searchParams.set(RETURN_PARAM, '1');
  return url.toString();
}

/** Notes the payment and leaves for the hosted page. */
export function goToHostedPage(paymentId: string, kind: PaymentKind, redirectUrl: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ paymentId, kind } satisfies PendingPayment));
  } catch {
    // Storage blocked: the return still refetches balances, only without waiting for the webhook.
  }
  window.location.assign(redirectUrl);
}

export function takePendingPayment(): PendingPayment | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    sessionStorage.removeItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { paymentId, kind } = parsed as Record<string, unknown>;
    if (typeof paymentId !== 'string' || (kind !== 'coins' && kind !== 'vip')) return null;
    return { paymentId, kind };
  } catch {
    return null;
  }
}

const POLL_MS = 600;
const GIVE_UP_MS = 45_000;

/** Waits until the provider's webhook has settled the payment (or gives up and reports it as still pending). */
export async function settledStatus(paymentId: string, signal: AbortSignal): Promise<PaymentStatus> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    const payment = await paywall.payment(paymentId);
    if (payment.status !== 'requires_payment' || Date.now() > deadline || signal.aborted) return payment.status;
    await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
  }
}
