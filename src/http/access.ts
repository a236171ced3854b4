import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.ts';
import type { Access, Caller } from './context.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function csrfTokenFor(sessionToken: string, secret: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionToken}`).digest('base64url');
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function assertAccess(caller: Caller, access: Access): void {
  switch (access) {
    case 'public':
      return;
    case 'signed-in':
      if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
      return;
    case 'creator':
    case 'merchant':
    case 'admin':
      if (!caller.userId) throw new AppError('UNAUTHENTICATED', 'Sign in first');
      if (caller.role !== access && caller.role !== 'admin') {
        throw new AppError('FORBIDDEN', `This needs the ${access} role`);
      }
      return;
    default: {
      const unreachable: never = access;
      throw new Error(`unknown access ${String(unreachable)}`);
    }
  }
}

/**
 * Routes must say who may call them; a route without `config.access` fails at start-up,
 * so no endpoint is public by accident.
 */
export function installAccessControl(
  app: FastifyInstance,
  resolveCaller: (request: FastifyRequest, reply: FastifyReply) => Promise<Caller>,
): void {
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('onRoute', (route) => {
    const isOurs = route.url.startsWith('/api/') && !route.url.startsWith('/api/docs') && route.url !== '/api/openapi.json';
    if (isOurs && !route.config?.access) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare config.access`);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    request.caller = await resolveCaller(request, reply);
    const access = request.routeOptions.config.access;
    if (!access) return;
    assertAccess(request.caller, access);
    if (
      UNSAFE.has(request.method) &&
      request.caller.via === 'session' &&
      !request.routeOptions.config.skipCsrf
    ) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !request.caller.csrfToken || !sameToken(sent, request.caller.csrfToken)) {
        throw new AppError('CSRF_TOKEN_INVALID', 'Send the x-csrf-token header you got at sign-in');
      }
    }
  });
}
