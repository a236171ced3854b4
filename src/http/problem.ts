import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, toProblem } from '../core/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(reply: FastifyReply, error: AppError, instance?: string): FastifyReply {
  return reply.status(error.status).type(PROBLEM_CONTENT_TYPE).send(toProblem(error, instance));
}

function fromFastifyError(error: FastifyError): AppError {
  if (error.validation) {
    return new AppError('VALIDATION_FAILED', error.message, {
      errors: error.validation.map((v) => ({ path: v.instancePath || v.params, message: v.message ?? 'invalid' })),
    });
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', error.message);
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA', error.message);
  if (status === 429) return new AppError('RATE_LIMITED', error.message);
  if (status === 404) return new AppError('NOT_FOUND', error.message);
  if (status >= 400 && status < 500) return new AppError('BAD_REQUEST', error.message);
  return new AppError('INTERNAL', 'Something went wrong on our side');
}

/** Every error leaves as application/problem+json with a code from the catalogue. */
export function installProblemHandlers(
  app: FastifyInstance,
  fallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null,
): void {
  app.setErrorHandler((error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = isAppError(error) ? error : fromFastifyError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, appError, request.url);
  });
  app.setNotFoundHandler((request, reply) => {
    const handled = fallback?.(request, reply);
    if (handled) return handled;
    return sendProblem(reply, new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
}
