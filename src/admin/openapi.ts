/**
 * The OpenAPI 3.1 document of the admin API, generated from the routes fastify actually
 * registered (collected by an `onRoute` hook in `app.ts`), so every route is described and the
 * schemas published are the ones that validate requests and shape responses.
 *
 * OpenAPI 3.1 uses JSON Schema 2020-12, which accepts the draft-07 schemas fastify uses as they
 * are written in `schemas.ts` (no `nullable`, no `$ref`s to resolve).
 */
import type { RouteOptions } from 'fastify';
import { publicPaths } from './auth.js';
import type { RouteDocs } from './routes.js';

type Schema = Record<string, unknown>;

interface RouteSchema extends RouteDocs {
  readonly params?: Schema & { properties?: Record<string, Schema> };
  readonly body?: Schema;
  readonly response?: Record<string, Schema>;
}

/** `/api/v1/proxies/:id` → `/api/v1/proxies/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parameters(schema: RouteSchema): object[] | undefined {
  const props = schema.params?.properties;
  if (!props) return undefined;
  // Path parameters are always required in OpenAPI.
  return Object.entries(props).map(([name, s]) => ({ name, in: 'path', required: true, schema: s }));
}

function requestBody(schema: RouteSchema): object | undefined {
  if (!schema.body) return undefined;
  const content: Record<string, object> = {};
  for (const type of schema.consumes ?? ['application/json']) {
    content[type] = type === 'application/json' ? { schema: schema.body } : { schema: { type: 'string', description: 'One policy YAML file (many documents)' } };
  }
  return { required: true, content };
}

const statusText: Record<string, string> = {
  200: 'OK', 400: 'Bad input', 401: 'Missing or wrong bearer token', 404: 'Not found',
  413: 'Body over 1 MiB', 415: 'Unsupported content type', 503: 'Not ready',
};

function responses(schema: RouteSchema): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [status, s] of Object.entries(schema.response ?? {})) {
    const type = status === '200' && schema.produces ? schema.produces : 'application/json';
    out[status] = { description: statusText[status] ?? status, content: { [type]: { schema: s } } };
  }
  return out;
}

function operation(route: RouteOptions): object {
  const schema = (route.schema ?? {}) as RouteSchema;
  const op: Record<string, unknown> = { summary: schema.summary, responses: responses(schema) };
  if (schema.description) op.description = schema.description;
  const params = parameters(schema);
  if (params) op.parameters = params;
  const body = requestBody(schema);
  if (body) op.requestBody = body;
  if (publicPaths.has(route.url)) op.security = [];
  return op;
}

/** Builds the document from registered routes; methods are lower-cased as OpenAPI wants. */
export function buildOpenApi(routes: readonly RouteOptions[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const item = (paths[openApiPath(r.url)] ??= {});
    for (const m of methods) item[m.toLowerCase()] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'weft admin API',
      version,
      description: 'Read-only views of the weft control plane. See docs/api.md. With a token configured, every route except /healthz and /readyz needs `Authorization: Bearer <token>`.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
