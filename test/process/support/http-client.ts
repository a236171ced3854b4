import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  text: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A browser-like client over real sockets: keeps cookies and sends the CSRF header on unsafe
 * methods. The base URL is given per call, so one session can hop between processes.
 */
export class SessionClient {
  private readonly cookies = new Map<string, string>();
  csrfToken: string | null = null;

  async request<T = unknown>(baseUrl: string, method: Method, path: string, body?: unknown): Promise<HttpResult<T>> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if (method !== 'GET' && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    const parsed: unknown = isJson ? JSON.parse(text) : text;
    // Like the web app: remember the CSRF token that signup, signin and /me hand out.
    if (path.startsWith('/api/v1/auth/') && typeof parsed === 'object' && parsed !== null && 'csrfToken' in parsed) {
      const token = parsed.csrfToken;
      this.csrfToken = typeof token === 'string' ? token : null;
    }
    return { status: response.status, text, body: parsed as T };
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export interface HeldRequest {
  /** Sends the body and resolves with the response. */
  finish(): Promise<HttpResult>;
  request: ClientRequest;
  /** Closes the kept-alive socket, as a browser does some time after its last request. */
  release(): void;
}

/**
 * Opens a request and sends only its headers with `Expect: 100-continue`; resolves once the server
 * has answered `100 Continue`, i.e. once the request is known to be in flight on the server. The
 * socket is kept alive like a browser's, until release().
 */
export function holdRequest(baseUrl: string, method: 'POST' | 'PUT', path: string, body: unknown, headers: Record<string, string> = {}): Promise<HeldRequest> {
  const payload = Buffer.from(JSON.stringify(body));
  const url = new URL(path, baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise((resolveHeld, reject) => {
    let responded: ((result: HttpResult) => void) | null = null;
    let failed: ((error: Error) => void) | null = null;
    const response = new Promise<HttpResult>((res, rej) => {
      responded = res;
      failed = rej;
    });
    // A rejection before finish() is called must not go unhandled.
    response.catch(() => undefined);
    const request = httpRequest(
      url,
      {
        method,
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(payload.length), expect: '100-continue' },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON; keep the text.
          }
          responded?.({ status: res.statusCode ?? 0, text, body: parsed });
        });
        res.on('error', (error) => failed?.(error));
      },
    );
    request.on('error', (error) => {
      failed?.(error);
      agent.destroy();
      reject(error);
    });
    request.on('continue', () =>
      resolveHeld({
        request,
        release: () => agent.destroy(),
        finish: () => {
          request.end(payload);
          return response;
        },
      }),
    );
    request.flushHeaders();
  });
}
