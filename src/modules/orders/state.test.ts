import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { ORDER_STATUSES, type OrderStatus } from './schema.ts';
import { nextStatus, ORDER_EVENTS, planRefund, transition, type OrderEvent } from './state.ts';

/** The whole machine, written out by hand: every (status, event) pair not listed here is illegal. */
const LEGAL: Record<string, OrderStatus> = {
  'pending_payment/pay': 'paid',
  'pending_payment/cancel': 'cancelled',
  'paid/ship': 'shipped',
  'shipped/deliver': 'delivered',
  'paid/request_refund': 'refund_requested',
  'shipped/request_refund': 'refund_requested',
  'delivered/request_refund': 'refund_requested',
  'refund_requested/refund': 'refunded',
};

describe('order state machine', () => {
  const pairs: [OrderStatus, OrderEvent][] = ORDER_STATUSES.flatMap((status) => ORDER_EVENTS.map((event): [OrderStatus, OrderEvent] => [status, event]));

  it('covers 7 statuses × 6 events', () => {
    expect(pairs).toHaveLength(42);
  });

  it.each(pairs.filter(([s, e]) => LEGAL[`${s}/${e}`]))('%s --%s--> the listed status', (status, event) => {
    expect(transition(status, event)).toBe(LEGAL[`${status}/${event}`]);
    expect(nextStatus(status, event)).toBe(LEGAL[`${status}/${event}`]);
  });

  it.each(pairs.filter(([s, e]) => !LEGAL[`${s}/${e}`]))('%s --%s--> INVALID_STATE 409', (status, event) => {
    expect(transition(status, event)).toBeNull();
    let thrown: unknown = null;
    try {
      nextStatus(status, event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe('INVALID_STATE');
    expect((thrown as AppError).status).toBe(409);
    expect((thrown as AppError).extra).toEqual({ status, event });
  });

  it('has no way out of cancelled and refunded', () => {
    for (const event of ORDER_EVENTS) {
      expect(transition('cancelled', event)).toBeNull();
      expect(transition('refunded', event)).toBeNull();
    }
  });
});

describe('refund planning', () => {
  const lines = [
    { id: 'orl_a', unitPriceMinor: 1000, quantity: 2, refundedQuantity: 0 },
    { id: 'orl_b', unitPriceMinor: 250, quantity: 1, refundedQuantity: 0 },
  ];

  it('refunds everything left, shipping included, when no lines are named', () => {
    expect(planRefund(lines, 500, null)).toEqual({ lines: [{ lineId: 'orl_a', quantity: 2 }, { lineId: 'orl_b', quantity: 1 }], amountMinor: 2750, full: true });
  });

  it('refunds named lines at their unit price, without shipping while something is left', () => {
    expect(planRefund(lines, 500, [{ lineId: 'orl_a', quantity: 1 }])).toEqual({ lines: [{ lineId: 'orl_a', quantity: 1 }], amountMinor: 1000, full: false });
  });

  it('returns shipping with the refund that leaves nothing unrefunded', () => {
    const partly = [{ ...lines[0]!, refundedQuantity: 2 }, lines[1]!];
    expect(planRefund(partly, 500, [{ lineId: 'orl_b', quantity: 1 }])).toEqual({ lines: [{ lineId: 'orl_b', quantity: 1 }], amountMinor: 750, full: true });
  });

  it('rejects more than is left, unknown lines and an empty refund', () => {
    expect(() => planRefund(lines, 0, [{ lineId: 'orl_a', quantity: 3 }])).toThrow(/only 2/);
    expect(() => planRefund(lines, 0, [{ lineId: 'orl_x', quantity: 1 }])).toThrow(/not in this order/);
    expect(() => planRefund(lines.map((l) => ({ ...l, refundedQuantity: l.quantity })), 0, null)).toThrow(/Nothing is left/);
  });
});
