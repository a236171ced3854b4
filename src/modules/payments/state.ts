import type { ProviderEvent } from '../../drivers/payments/port.ts';
import type { PaymentStatus } from './schema.ts';

export interface PaymentState {
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  refundedMinor: number;
}

/**
 * The next state after a verified event, or null when the event changes nothing. Events come
 * out of order: a failure after a success, or a success after a refund, is ignored.
 */
export function nextPaymentState(current: PaymentState, event: ProviderEvent): PaymentState | null {
  // A provider event about another amount or currency than we asked for never marks anything paid.
  if (event.currency.toUpperCase() !== current.currency) return null;
  switch (event.type) {
    case 'payment.succeeded':
      if (event.amountMinor !== current.amountMinor) return null;
      if (current.status === 'requires_payment' || current.status === 'failed') return { ...current, status: 'succeeded' };
      return null;
    case 'payment.failed':
      if (current.status === 'requires_payment') return { ...current, status: 'failed' };
      return null;
    case 'refund.succeeded': {
      if (event.amountMinor <= 0) return null;
      // A refund proves the payment succeeded, even if its success event is still on its way.
      const refundedMinor = Math.min(current.amountMinor, current.refundedMinor + event.amountMinor);
      return { ...current, refundedMinor, status: refundedMinor >= current.amountMinor ? 'refunded' : 'partially_refunded' };
    }
    default: {
      const unreachable: never = event.type;
      throw new Error(`unknown event type ${String(unreachable)}`);
    }
  }
}
