import { existsSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
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
export interface RegisteredRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (method and Fastify path), for checks such as OpenAPI coverage. */
    registeredRoutes: RegisteredRoute[];
  }
}

export interface ExistingServer {
  server: Server;
  attach(handler: (request: IncomingMessage, response: ServerResponse) => void): void;
}

export async function createHttpServer(config: Config, log: Logger, existing?: ExistingServer): Promise<HttpApp> {
  const loggerInstance: FastifyBaseLogger = log;
  let fastifyHandler: ((request: IncomingMessage, response: ServerResponse) => void) | null = null;
  const app = Fastify({
    loggerInstance,
    // An already-listening server (see early-server.ts) gets Fastify's handler once the app is ready.
    ...(existing
      ? {
          serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
            fastifyHandler = handler;
            return existing.server;
          },
        }
      : {}),
    trustProxy: true,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  const registeredRoutes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registeredRoutes.push({ method, url: route.url });
  });
  app.decorate('registeredRoutes', registeredRoutes);
  if (existing) {
    app.addHook('onReady', async () => {
      if (fastifyHandler) existing.attach(fastifyHandler);
    });
  }

  // While shutting down, answers tell keep-alive clients to go, so in-flight requests finish
  // and their sockets close instead of holding the server open until the deadline.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

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
