import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { newId } from '../../core/ids.ts';
import { csrfTokenFor } from '../../http/access.ts';
import type { Caller } from '../../http/context.ts';
import type { IdentityService } from './service.ts';

export const SESSION_COOKIE = 'ds_sid';
export const DEVICE_COOKIE = 'ds_did';
const DEVICE_ID_PATTERN = /^dev_[0-9a-z]{26}$/;

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return null;
  return header.slice('Bearer '.length).trim() || null;
}

/** Resolves who is calling: bearer token, else session cookie, else an anonymous device. */
export function createCallerResolver(identity: IdentityService, config: Config) {
  return async function resolveCaller(request: FastifyRequest, reply: FastifyReply): Promise<Caller> {
    let deviceId = request.cookies[DEVICE_COOKIE];
    if (!deviceId || !DEVICE_ID_PATTERN.test(deviceId)) {
      deviceId = newId('device');
      reply.setCookie(DEVICE_COOKIE, deviceId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.auth.secureCookies,
        maxAge: 400 * 86_400,
      });
      // The cookie reaches the browser with this response; this request already counts as that device.
      request.cookies[DEVICE_COOKIE] = deviceId;
    }
    const anonymous: Caller = { userId: null, role: null, deviceId, viewerKey: deviceId, via: 'anonymous', csrfToken: null };

    const bearer = bearerToken(request);
    if (bearer) {
      const user = await identity.userByApiToken(bearer);
      if (!user) return anonymous;
      return { userId: user.id, role: user.role, deviceId, viewerKey: user.id, via: 'token', csrfToken: null };
    }
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (sessionToken) {
      const user = await identity.userBySession(sessionToken);
      if (user) {
        return {
          userId: user.id,
          role: user.role,
          deviceId,
          viewerKey: user.id,
          via: 'session',
          csrfToken: csrfTokenFor(sessionToken, config.secrets.sessionSecret),
        };
      }
    }
    return anonymous;
  };
}
