import { AppError } from '../../core/errors.ts';
import type { ProviderEvent, ProviderEventType } from './port.ts';

/** The JSON a sandbox webhook carries. */
export interface SandboxEventBody {
  id: string;
  type: ProviderEventType;
  /** Unix seconds. */
  created: number;
  data: {
    paymentId: string;
    amountMinor: number;
    currency: string;
    reference: string;
    refundId?: string;
    refundReference?: string;
  };
}

const TYPES: readonly ProviderEventType[] = ['payment.succeeded', 'payment.failed', 'refund.succeeded'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a body whose signature was already verified; a well-signed but malformed body is still rejected. */
export function parseSandboxEvent(rawBody: Buffer): ProviderEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new AppError('BAD_REQUEST', 'The webhook body is not JSON');
  }
  if (!isRecord(parsed) || !isRecord(parsed.data)) throw new AppError('BAD_REQUEST', 'The webhook body has no data');
  const { id, type, created, data } = parsed;
  const type_ = TYPES.find((t) => t === type);
  if (
    typeof id !== 'string' ||
    !type_ ||
    typeof created !== 'number' ||
    typeof data.paymentId !== 'string' ||
    typeof data.amountMinor !== 'number' ||
    !Number.isInteger(data.amountMinor) ||
    typeof data.currency !== 'string'
  ) {
    throw new AppError('BAD_REQUEST', 'The webhook body is not a sandbox event');
  }
  return {
    id,
    type: type_,
    providerPaymentId: data.paymentId,
    amountMinor: data.amountMinor,
    currency: data.currency,
    createdAt: new Date(created * 1000),
    data,
  };
}
