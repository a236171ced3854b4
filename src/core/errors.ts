/**
 * The closed catalogue of error codes. Clients branch on `code`; the HTTP status
 * follows from it and nothing else.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  WEBHOOK_SIGNATURE_INVALID: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  PAYMENT_REQUIRED: 402,
  ENTITLEMENT_REQUIRED: 403,
  FORBIDDEN: 403,
  CSRF_TOKEN_INVALID: 403,
  MEDIA_TOKEN_INVALID: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  EPISODE_NUMBER_TAKEN: 409,
  EPISODE_NOT_READY: 409,
  INVALID_STATE: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  RANGE_NOT_SATISFIABLE: 416,
  MEDIA_REJECTED: 422,
  IDEMPOTENCY_CONFLICT: 422,
  INSUFFICIENT_STOCK: 409,
  INSUFFICIENT_FUNDS: 402,
  SPENDING_CAP_REACHED: 403,
  AD_UNLOCK_NOT_ALLOWED: 403,
  AD_DAILY_CAP_REACHED: 429,
  PRICE_CHANGED: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
    super(`${code}: ${detail}`);
    this.name = 'AppError';
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }

  get status(): number {
    return statusOf(this.code);
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} was not found`);
export const forbidden = (detail = 'You may not do this'): AppError => new AppError('FORBIDDEN', detail);

/** RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  [extra: string]: unknown;
}

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  BAD_REQUEST: 'Bad request',
  WEBHOOK_SIGNATURE_INVALID: 'The webhook signature is missing, wrong or outside the time tolerance',
  IDEMPOTENCY_KEY_REQUIRED: 'This request needs an Idempotency-Key header',
  UNAUTHENTICATED: 'Sign-in required',
  INVALID_CREDENTIALS: 'Email or password is wrong',
  PAYMENT_REQUIRED: 'Payment required',
  ENTITLEMENT_REQUIRED: 'This episode must be unlocked first',
  FORBIDDEN: 'Forbidden',
  CSRF_TOKEN_INVALID: 'CSRF token missing or wrong',
  MEDIA_TOKEN_INVALID: 'Media token missing, expired or not for this resource',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  EMAIL_TAKEN: 'This email is already registered',
  EPISODE_NUMBER_TAKEN: 'This episode number is already used in the series',
  EPISODE_NOT_READY: 'The episode has no ready video yet',
  INVALID_STATE: 'Not possible in the current state',
  IDEMPOTENCY_IN_PROGRESS: 'A request with this Idempotency-Key is still in progress',
  GONE: 'Gone',
  PAYLOAD_TOO_LARGE: 'Too large',
  UNSUPPORTED_MEDIA: 'Unsupported media',
  RANGE_NOT_SATISFIABLE: 'The requested byte range is outside the file',
  MEDIA_REJECTED: 'The uploaded file was rejected',
  IDEMPOTENCY_CONFLICT: 'This Idempotency-Key was used with another request',
  INSUFFICIENT_STOCK: 'Not enough stock',
  INSUFFICIENT_FUNDS: 'Not enough balance',
  SPENDING_CAP_REACHED: 'Your coin spending limit is reached',
  AD_UNLOCK_NOT_ALLOWED: 'This episode cannot be unlocked with an ad',
  AD_DAILY_CAP_REACHED: 'You have unlocked as many episodes with ads as a day allows',
  PRICE_CHANGED: 'The price is not the one you were shown; look again before paying',
  RATE_LIMITED: 'Too many requests',
  INTERNAL: 'Internal error',
  NOT_READY: 'Not ready',
};

export function toProblem(error: AppError, instance?: string): Problem {
  return {
    type: `https://dualstream.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[error.code],
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...error.extra,
  };
}
