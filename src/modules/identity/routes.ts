import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config.ts';
import { AppError } from '../../core/errors.ts';
import type { Cache } from '../../drivers/cache/port.ts';
import { csrfTokenFor } from '../../http/access.ts';
import type { HttpApp } from '../../http/types.ts';
import { SESSION_COOKIE } from './caller.ts';
import type { IdentityService, OrgView, UserView } from './service.ts';

const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('viewer'), Type.Literal('creator'), Type.Literal('merchant'), Type.Literal('admin')]),
});
const OrgSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('studio'), Type.Literal('shop')]),
  name: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('member')]),
});
export const SessionSchema = Type.Object({
  user: Type.Union([UserSchema, Type.Null()]),
  orgs: Type.Array(OrgSchema),
  csrfToken: Type.Union([Type.String(), Type.Null()]),
});

const SignUpBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 256 }),
    displayName: Type.String({ minLength: 1, maxLength: 80 }),
    role: Type.Union([Type.Literal('viewer'), Type.Literal('creator'), Type.Literal('merchant')]),
    orgName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  },
  { additionalProperties: false },
);
const SignInBody = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 256 }) },
  { additionalProperties: false },
);
const TokenBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 80 }) }, { additionalProperties: false });

const tags = ['identity'];

export interface IdentityRouteDeps {
  identity: IdentityService;
  config: Config;
  cache: Cache;
  /** Told when a device signs in, so what it did anonymously (e.g. watch progress) can follow the user. */
  onSignedIn: (userId: string, deviceId: string) => Promise<void>;
}

/** Failed sign-ins allowed per email and per client address in one window. */
const SIGNIN_ATTEMPTS = 10;
const SIGNIN_WINDOW_MS = 15 * 60_000;

export function registerIdentityRoutes(app: HttpApp, deps: IdentityRouteDeps): void {
  const { identity, config, cache, onSignedIn } = deps;

  // Counted in the shared cache (Redis in production), so every serve process sees the same count.
  async function guardSignIn(email: string, ip: string): Promise<string[]> {
    const keys = [`signin:email:${email.trim().toLowerCase()}`, `signin:ip:${ip}`];
    for (const key of keys) {
      const failures = Number((await cache.get(key)) ?? 0);
      if (failures >= SIGNIN_ATTEMPTS) {
        throw new AppError('RATE_LIMITED', 'Too many failed sign-ins; try again in 15 minutes', { retryAfterSeconds: SIGNIN_WINDOW_MS / 1000 });
      }
    }
    return keys;
  }

  function startCookieSession(reply: FastifyReply, sessionToken: string, user: UserView, orgs: OrgView[]): Static<typeof SessionSchema> {
    reply.setCookie(SESSION_COOKIE, sessionToken, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.auth.secureCookies,
      maxAge: config.auth.sessionTtlDays * 86_400,
    });
    return { user, orgs, csrfToken: csrfTokenFor(sessionToken, config.secrets.sessionSecret) };
  }

  app.post(
    '/api/v1/auth/signup',
    {
      config: { access: 'public', skipCsrf: true },
      schema: { tags, summary: 'Create an account (a creator gets a studio, a merchant a shop)', body: SignUpBody, response: { 201: SessionSchema } },
    },
    async (request, reply) => {
      const result = await identity.signUp(request.body);
      await onSignedIn(result.user.id, request.caller.deviceId);
      return reply.status(201).send(startCookieSession(reply, result.sessionToken, result.user, result.orgs));
    },
  );

  app.post(
    '/api/v1/auth/signin',
    {
      config: { access: 'public', skipCsrf: true },
      schema: { tags, summary: 'Sign in with email and password', body: SignInBody, response: { 200: SessionSchema } },
    },
    async (request, reply) => {
      const counters = await guardSignIn(request.body.email, request.ip);
      const result = await identity.signIn(request.body.email, request.body.password).catch(async (error: unknown) => {
        if (error instanceof AppError && error.code === 'INVALID_CREDENTIALS') {
          for (const key of counters) await cache.incr(key, 1, SIGNIN_WINDOW_MS);
        }
        throw error;
      });
      await onSignedIn(result.user.id, request.caller.deviceId);
      return startCookieSession(reply, result.sessionToken, result.user, result.orgs);
    },
  );

  app.post(
    '/api/v1/auth/signout',
    { config: { access: 'public' }, schema: { tags, summary: 'End the current session' } },
    async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) await identity.signOut(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    { config: { access: 'public' }, schema: { tags, summary: 'The current session', response: { 200: SessionSchema } } },
    async (request) => {
      const { userId, csrfToken } = request.caller;
      if (!userId) return { user: null, orgs: [], csrfToken: null };
      const user = await identity.getUser(userId);
      return { user, orgs: user ? await identity.orgsOf(userId) : [], csrfToken };
    },
  );

  app.post(
    '/api/v1/auth/tokens',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Create a bearer API token (shown once)',
        body: TokenBody,
        response: { 201: Type.Object({ id: Type.String(), name: Type.String(), token: Type.String() }) },
      },
    },
    async (request, reply) => {
      const created = await identity.createApiToken(request.caller.userId ?? '', request.body.name);
      return reply.status(201).send(created);
    },
  );
}
