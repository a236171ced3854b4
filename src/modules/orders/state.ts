import { AppError } from '../../core/errors.ts';
import type { OrderStatus, RefundLineRequest } from './schema.ts';

/**
 * What can happen to an order. `pay` comes only from a verified payment event, `cancel` only from
 * the expiry job; the others from the merchant (ship, deliver, refund) or the buyer (request_refund).
 */
export type OrderEvent = 'pay' | 'cancel' | 'ship' | 'deliver' | 'request_refund' | 'refund';

export const ORDER_EVENTS: readonly OrderEvent[] = ['pay', 'cancel', 'ship', 'deliver', 'request_refund', 'refund'];

/** The status after `event`, or null when the event is not allowed in `status`. */
export function transition(status: OrderStatus, event: OrderEvent): OrderStatus | null {
  switch (status) {
    case 'pending_payment':
      return event === 'pay' ? 'paid' : event === 'cancel' ? 'cancelled' : null;
    case 'paid':
      return event === 'ship' ? 'shipped' : event === 'request_refund' ? 'refund_requested' : null;
    case 'shipped':
      return event === 'deliver' ? 'delivered' : event === 'request_refund' ? 'refund_requested' : null;
    case 'delivered':
      return event === 'request_refund' ? 'refund_requested' : null;
    case 'refund_requested':
      // A refund, full or of some lines, settles the request.
      return event === 'refund' ? 'refunded' : null;
    case 'cancelled':
    case 'refunded':
      return null;
    default: {
      const unreachable: never = status;
      throw new Error(`unknown order status ${String(unreachable)}`);
    }
  }
}

/** `transition`, or INVALID_STATE (409) naming what was tried. */
export function nextStatus(status: OrderStatus, event: OrderEvent): OrderStatus {
  const next = transition(status, event);
  if (!next) throw new AppError('INVALID_STATE', `An order that is ${status} cannot ${event.replace('_', ' ')}`, { status, event });
  return next;
}

export interface RefundableLine {
  id: string;
  unitPriceMinor: number;
  quantity: number;
  refundedQuantity: number;
}

export interface RefundPlan {
  lines: RefundLineRequest[];
  amountMinor: number;
  /** True when every unit of every line ends up refunded; the shipping fee goes back then too. */
  full: boolean;
}

/**
 * How much a refund of `requested` lines (or of everything left, when null) gives back. Per-line
 * refunds return the lines' prices; the refund that leaves nothing unrefunded also returns shipping.
 */
export function planRefund(lines: RefundableLine[], shippingMinor: number, requested: RefundLineRequest[] | null): RefundPlan {
  const byId = new Map(lines.map((line) => [line.id, line]));
  const wanted = new Map<string, number>();
  if (requested === null) {
    for (const line of lines) if (line.quantity > line.refundedQuantity) wanted.set(line.id, line.quantity - line.refundedQuantity);
  } else {
    for (const item of requested) {
      const line = byId.get(item.lineId);
      if (!line) throw new AppError('VALIDATION_FAILED', `Line ${item.lineId} is not in this order`);
      if (!Number.isInteger(item.quantity) || item.quantity < 1) throw new AppError('VALIDATION_FAILED', 'A refunded quantity must be a positive integer');
      wanted.set(item.lineId, (wanted.get(item.lineId) ?? 0) + item.quantity);
    }
  }
  let amountMinor = 0;
  let full = true;
  const planned: RefundLineRequest[] = [];
  for (const line of lines) {
    const quantity = wanted.get(line.id) ?? 0;
    if (quantity > line.quantity - line.refundedQuantity) {
      throw new AppError('VALIDATION_FAILED', `Line ${line.id} has only ${line.quantity - line.refundedQuantity} unit(s) left to refund`);
    }
    if (quantity > 0) planned.push({ lineId: line.id, quantity });
    amountMinor += quantity * line.unitPriceMinor;
    if (line.refundedQuantity + quantity < line.quantity) full = false;
  }
  if (planned.length === 0) throw new AppError('VALIDATION_FAILED', 'Nothing is left to refund');
  if (full) amountMinor += shippingMinor;
  return { lines: planned, amountMinor, full };
}
