export type Role = 'viewer' | 'creator' | 'merchant' | 'admin';

/** Who may call a route. Every route declares one (checked when routes are registered). */
export type Access = 'public' | 'signed-in' | 'creator' | 'merchant' | 'admin';

/** The caller of a request, resolved once per request. */
export interface Caller {
  userId: string | null;
  role: Role | null;
  /** Anonymous device id from the `ds_did` cookie (always set, signed-in or not). */
  deviceId: string;
  /** The key progress and media tokens are bound to: the user id, else the device id. */
  viewerKey: string;
  via: 'session' | 'token' | 'anonymous';
  /** Set for session-cookie callers: the CSRF token the client must echo on unsafe methods. */
  csrfToken: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Unsafe methods with a session cookie need a CSRF token unless this is true. */
    skipCsrf?: boolean;
  }
}
