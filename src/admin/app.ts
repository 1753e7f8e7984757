/**
 * Builds the admin fastify app without listening (tests drive it with `app.inject()`;
 * `startAdmin` in server.ts binds it).
 *
 * Decisions:
 * - No CORS: the API is for operators' tools and the CLI, never for browsers on other origins, so
 *   no `Access-Control-*` header is ever sent and preflights get the JSON 404.
 * - Bodies are capped at 1 MiB (413). JSON and YAML bodies are accepted; YAML only by
 *   `/api/v1/validate`, where it becomes one file named `request.yaml`.
 * - HEAD routes are not exposed, so the route list, the OpenAPI document and the auth rules
 *   describe exactly the same set.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Registry } from 'prom-client';
import type { ControlPlaneOperations, ControlPlaneView } from '../controlplane/index.js';
import { requireToken } from './auth.js';
import { AdminCode, AdminError, errorHandler, notFoundHandler } from './errors.js';
import { requireLoopbackHost, requireSameOrigin } from './host-guard.js';
import { buildOpenApi } from './openapi.js';
import { adminRoutes } from './routes.js';
import { openApiDocumentSchema } from './schemas.js';

export const ADMIN_BODY_LIMIT = 1024 * 1024;

export interface AdminAppOptions {
  readonly view: ControlPlaneView;
  /** The registry `/metrics` renders (normally `ControlPlaneMetrics.registry`). */
  readonly metrics: Registry;
  /** Operations the API may trigger (root rotation); read-only API when absent. */
  readonly operations?: ControlPlaneOperations;
  /**
   * Bearer token required on every route but the probes. None means loopback only: requests must
   * name a loopback Host, and non-GET requests must be same-origin (host-guard.ts).
   */
  readonly token?: string;
  /** Request log; silent when absent. Never logs headers, so the token stays out of logs. */
  readonly logger?: FastifyBaseLogger;
  /** Version shown in the OpenAPI document. */
  readonly version?: string;
}

const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** Wraps a YAML body as the `{ files }` shape the validate route's schema checks. */
function addYamlParser(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(yamlTypes, { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT }, (request, body, done) => {
    if (request.url.split('?')[0] !== '/api/v1/validate') {
      done(new AdminError(415, AdminCode.UnsupportedMediaType, 'YAML bodies are accepted only by POST /api/v1/validate'), undefined);
      return;
    }
    done(null, { files: [{ path: 'request.yaml', text: body as string }] });
  });
}

/** Who may call: the token when there is one, else loopback Host names and same-origin writes. */
function addAccessHooks(app: FastifyInstance, token: string | undefined): void {
  if (token !== undefined) {
    if (token.length === 0) throw new Error('admin token must not be empty');
    app.addHook('onRequest', requireToken(token));
    return;
  }
  app.addHook('onRequest', requireLoopbackHost);
  app.addHook('onRequest', requireSameOrigin);
}

/**
 * Builds the app, not listening. The caller owns it: `listen` it (see `startAdmin`) or `inject`
 * into it, and `close` it. Throws only on a programming error (an empty token).
 */
export function buildAdminApp(options: AdminAppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: ADMIN_BODY_LIMIT,
    exposeHeadRoutes: false,
    // Strict input: unknown fields are errors, not silently dropped; no type coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
  }) as unknown as FastifyInstance;
  const registered: RouteOptions[] = [];
  app.addHook('onRoute', (r) => void registered.push(r));
  addAccessHooks(app, options.token);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  addYamlParser(app);
  for (const r of adminRoutes({ view: options.view, metrics: options.metrics, operations: options.operations })) app.route(r);
  let document: object | undefined;
  app.route({
    method: 'GET',
    url: '/openapi.json',
    schema: { summary: 'This OpenAPI 3.1 document', response: { 200: openApiDocumentSchema } } as RouteOptions['schema'],
    handler: () => (document ??= buildOpenApi(registered, options.version ?? '0.1.0')),
  });
  return app;
}
