import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { HttpApp } from './types.ts';
import { installProblemHandlers } from './problem.ts';
import { validatorCompiler } from './validation.ts';

const NOT_APP_PATHS = /^\/(api|media|healthz|readyz)(\/|$)/;

/** A Fastify instance with the house conventions: problem+json, cookies, OpenAPI, the web app. */
export async function createHttpServer(config: Config, log: Logger): Promise<HttpApp> {
  const loggerInstance: FastifyBaseLogger = log;
  const app = Fastify({
    loggerInstance,
    trustProxy: true,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);

  const webIndex = join(config.webDir, 'index.html');
  const hasWeb = existsSync(webIndex);
  installProblemHandlers(app, (request, reply) => {
    // Client-side routes of the single-page app get its index.html.
    if (hasWeb && request.method === 'GET' && !NOT_APP_PATHS.test(request.url)) {
      return reply.type('text/html').sendFile('index.html');
    }
    return null;
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'dualstream API', version: '0.1.0', description: 'Micro-drama streaming with in-scene commerce' },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'ds_sid' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  if (hasWeb) {
    await app.register(fastifyStatic, { root: config.webDir, prefix: '/', wildcard: false, maxAge: '1h' });
  }
  return app;
}

export function registerOpenApiRoute(app: HttpApp): void {
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
