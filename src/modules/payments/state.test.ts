import { describe, expect, it } from 'vitest';
import type { ProviderEvent, ProviderEventType } from '../../drivers/payments/port.ts';
import { nextPaymentState, type PaymentState } from './state.ts';

const base: PaymentState = { status: 'requires_payment', amountMinor: 1000, currency: 'CNY', refundedMinor: 0 };
const event = (type: ProviderEventType, amountMinor = 1000, currency = 'CNY'): ProviderEvent => ({
  id: 'e',
  type,
  providerPaymentId: 'p',
  amountMinor,
  currency,
  createdAt: new Date(0),
  data: {},
});

describe('payment state machine', () => {
  it('pays, fails, and lets a later success win over a failure but not the reverse', () => {
    expect(nextPaymentState(base, event('payment.succeeded'))?.status).toBe('succeeded');
    expect(nextPaymentState(base, event('payment.failed'))?.status).toBe('failed');
    expect(nextPaymentState({ ...base, status: 'failed' }, event('payment.succeeded'))?.status).toBe('succeeded');
    expect(nextPaymentState({ ...base, status: 'succeeded' }, event('payment.failed'))).toBeNull();
    expect(nextPaymentState({ ...base, status: 'succeeded' }, event('payment.succeeded'))).toBeNull();
  });

  it('adds refunds up to the amount, whatever order they come in', () => {
    const half = nextPaymentState({ ...base, status: 'succeeded' }, event('refund.succeeded', 400));
    expect(half).toMatchObject({ status: 'partially_refunded', refundedMinor: 400 });
    expect(nextPaymentState(half ?? base, event('refund.succeeded', 600))).toMatchObject({ status: 'refunded', refundedMinor: 1000 });
    const early = nextPaymentState(base, event('refund.succeeded', 1000));
    expect(early).toMatchObject({ status: 'refunded' });
    expect(nextPaymentState(early ?? base, event('payment.succeeded'))).toBeNull();
  });

  it('ignores a success for another amount or currency', () => {
    expect(nextPaymentState(base, event('payment.succeeded', 1))).toBeNull();
    expect(nextPaymentState(base, event('payment.succeeded', 1000, 'USD'))).toBeNull();
  });
});
