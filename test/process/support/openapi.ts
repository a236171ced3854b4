import { Validator } from '@seriousme/openapi-schema-validator';
import { loadConfig } from '../../../src/config.ts';
import { buildHttpApp, closePlatform, createPlatform } from '../../../src/app.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface OpenApiDocument {
  openapi?: string;
  paths?: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean }[] }>>;
}

export interface RouteEntry {
  method: string;
  /** The OpenAPI form of the path: `:id` becomes `{id}`. */
  path: string;
}

/** Validates the document against the official OpenAPI JSON schema for its version. */
export async function openApiSchemaErrors(document: unknown): Promise<string[]> {
  const validator = new Validator();
  const result = await validator.validate(document as Record<string, unknown>);
  if (result.valid) return [];
  return typeof result.errors === 'string' ? [result.errors] : (result.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** What the JSON schema cannot see: every `{param}` in a path is declared as a required path parameter. */
export function pathParameterErrors(document: OpenApiDocument): string[] {
  const errors: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      for (const name of templated) {
        const declared = (operation.parameters ?? []).find((p) => p.in === 'path' && p.name === name);
        if (!declared?.required) errors.push(`${method.toUpperCase()} ${path}: path parameter {${name}} is not declared as required`);
      }
    }
  }
  return errors;
}

export function documentedRoutes(document: OpenApiDocument): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) if (item[method]) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

/**
 * Every route the app registers under /api/v1, read from Fastify's route tree
 * (`printRoutes({ commonPrefix: false })`, one node per line: `├── <segment> (<METHODS>)`).
 * The HEAD route Fastify adds beside each GET is left out; a HEAD route of its own (tus) is kept.
 */
export async function registeredApiRoutes(dataDir: string): Promise<RouteEntry[]> {
  const config = loadConfig({ DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'warn', WEB_DIR: `${dataDir}/no-web` });
  const platform = await createPlatform(config, { inMemoryDatabase: true });
  try {
    const app = await buildHttpApp(platform);
    await app.ready();
    const routes = app.registeredRoutes
      .map((r) => ({ method: r.method, path: toOpenApiPath(r.url) }))
      .filter((r) => r.path.startsWith('/api/v1/'));
    await app.close();
    const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.path));
    return routes.filter((r) => r.method !== 'HEAD' || !gets.has(r.path));
  } finally {
    await closePlatform(platform);
  }
}

function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');
}
