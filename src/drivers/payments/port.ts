/** What our code needs from a payment provider (the sandbox, Stripe, …). */
export type ProviderEventType = 'payment.succeeded' | 'payment.failed' | 'refund.succeeded';

export type IntentStatus = 'requires_payment' | 'succeeded' | 'failed';
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface CreateIntentInput {
  amountMinor: number;
  currency: string;
  /** Our payment id: the provider is idempotent on it, so a retried create makes no second intent. */
  reference: string;
  description: string;
  /** Where the hosted page sends the browser back to. */
  returnUrl: string;
  metadata: Record<string, string>;
  /**
   * Charge the buyer's saved payment method now, with nobody at the hosted page (a renewal). The intent
   * completes at once; its outcome still arrives by webhook, like any other.
   */
  offSession?: boolean;
}

export interface CreatedIntent {
  providerPaymentId: string;
  /** The provider's hosted payment page. */
  redirectUrl: string;
  status: IntentStatus;
}

export interface RefundInput {
  providerPaymentId: string;
  amountMinor: number;
  /** Our refund reference: a retried refund with the same reference refunds once. */
  reference: string;
}

export interface CreatedRefund {
  providerRefundId: string;
  status: RefundStatus;
}

/** A webhook event whose signature has been verified. */
export interface ProviderEvent {
  id: string;
  type: ProviderEventType;
  providerPaymentId: string;
  /** The payment amount, or the refunded amount for refund events. */
  amountMinor: number;
  currency: string;
  createdAt: Date;
  data: Record<string, unknown>;
}

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface PaymentProvider {
  readonly name: string;
  createIntent(input: CreateIntentInput): Promise<CreatedIntent>;
  refund(input: RefundInput): Promise<CreatedRefund>;
  /**
   * Checks the signature over the raw bytes and the timestamp; throws WEBHOOK_SIGNATURE_INVALID.
   * Null: a genuine event of a kind we do not act on, to acknowledge so the provider stops sending it.
   */
  verifyWebhook(rawBody: Buffer, headers: WebhookHeaders): ProviderEvent | null;
}
