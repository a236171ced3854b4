/**
 * The one fetch wrapper: JSON in and out, CSRF header on unsafe methods, problem+json turned
 * into an ApiError the UI can branch on by `code`.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, detail: string, extra: Record<string, unknown>) {
    super(`${code}: ${detail}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }
}

export function isApiError(value: unknown, code?: string): value is ApiError {
  return value instanceof ApiError && (code === undefined || value.code === code);
}

// Kept in memory only: a token readable from storage would be readable by any injected script too.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  body?: unknown;
  /** Raw bytes (e.g. a cover image); sent with its own content type instead of JSON. */
  blob?: Blob;
  signal?: AbortSignal;
  keepalive?: boolean;
  /** Sent as Idempotency-Key: one per user intent, reused when that intent is retried. */
  idempotencyKey?: string;
}

export function headersFor(method: Method, contentType: string | null): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (contentType) headers['content-type'] = contentType;
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  return headers;
}

async function problemFrom(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // A proxy error page or an empty body: fall back to the status line.
  }
  const { code, detail, title, type: _type, status: _status, instance: _instance, ...extra } = body;
  return new ApiError(
    response.status,
    typeof code === 'string' ? code : `HTTP_${response.status}`,
    typeof detail === 'string' ? detail : typeof title === 'string' ? title : response.statusText,
    extra,
  );
}

export async function apiRequest<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const contentType = options.blob ? options.blob.type || 'application/octet-stream' : options.body !== undefined ? 'application/json' : null;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { ...headersFor(method, contentType), ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}) },
      body: options.blob ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined),
      credentials: 'same-origin',
      signal: options.signal,
      keepalive: options.keepalive,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'network error', {});
  }
  if (!response.ok) throw await problemFrom(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => apiRequest<T>('GET', path, { signal }),
  post: <T>(path: string, body?: unknown) => apiRequest<T>('POST', path, { body }),
  put: <T>(path: string, body?: unknown) => apiRequest<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown) => apiRequest<T>('PATCH', path, { body }),
  delete: <T>(path: string) => apiRequest<T>('DELETE', path),
};
