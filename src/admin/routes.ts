/**
 * The admin API's routes as one table: method, URL, schemas and handler. `app.ts` registers them
 * with fastify; `openapi.ts` describes whatever fastify registered, so the document cannot drift
 * from the routes.
 *
 * Handlers only read through `ControlPlaneView` and never mutate what it returns. Every body built
 * from the view passes through `redactSecrets` (src/controlplane/redact.ts says why).
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { redactSecrets, type ControlPlaneOperations, type ControlPlaneView } from '../controlplane/index.js';
import { formatDiagnostic } from '../policy/index.js';
import { AdminCode, AdminError } from './errors.js';
import * as S from './schemas.js';
import { mapRoutes } from './map-routes.js';

export interface RouteDeps {
  readonly view: ControlPlaneView;
  readonly metrics: Registry;
  /** Absent: the operation routes are not registered. */
  readonly operations?: ControlPlaneOperations;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

/** Extra, documentation-only route options read by `openapi.ts`. */
export interface RouteDocs {
  readonly summary: string;
  readonly description?: string;
  /** Content types of the request body, when not only application/json. */
  readonly consumes?: readonly string[];
  /** Content type of successful responses, when not application/json. */
  readonly produces?: string;
}

const errors = { 400: S.errorSchema, 401: S.errorSchema } as const;

function route(method: 'GET' | 'POST', url: string, docs: RouteDocs, schema: Record<string, unknown>, handler: Handler): RouteOptions {
  return { method, url, schema: { ...schema, ...docs }, handler } as RouteOptions;
}

function proxyIdOf(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

function unknownProxy(id: string): AdminError {
  return new AdminError(404, AdminCode.UnknownProxy, `no connected proxy with id "${id}"; list them with GET /api/v1/proxies or \`weft status\``);
}

function probeRoutes({ view, metrics }: RouteDeps): RouteOptions[] {
  return [
    route('GET', '/healthz', { summary: 'Liveness: the process is serving HTTP' }, { response: { 200: S.healthSchema } }, () => ({ status: 'ok' })),
    route(
      'GET', '/readyz',
      { summary: 'Readiness: policy and discovery have synced', description: '503 with the reasons while not ready.' },
      { response: { 200: S.readinessSchema, 503: S.readinessSchema } },
      (_req, reply) => {
        const r = view.readiness();
        return reply.status(r.ready ? 200 : 503).send({ ready: r.ready, reasons: [...r.reasons] });
      },
    ),
    route(
      'GET', '/metrics',
      { summary: 'Prometheus metrics (text exposition format)', produces: 'text/plain; version=0.0.4; charset=utf-8' },
      { response: { 200: S.metricsTextSchema, 401: S.errorSchema } },
      async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
    ),
  ];
}

function proxyRoutes({ view }: RouteDeps): RouteOptions[] {
  const params = S.proxyParamsSchema;
  return [
    route('GET', '/api/v1/proxies', { summary: 'Connected proxies with per-type sync status' }, { response: { 200: S.proxyListSchema, 401: S.errorSchema } }, () =>
      redactSecrets({ proxies: view.proxies() }),
    ),
    route('GET', '/api/v1/proxies/:id', { summary: 'One proxy: identity, per-type versions, NACK details' }, { params, response: { 200: S.proxySchema, 404: S.errorSchema, ...errors } }, (req) => {
      const p = view.proxy(proxyIdOf(req));
      if (!p) throw unknownProxy(proxyIdOf(req));
      return redactSecrets(p);
    }),
    route(
      'GET', '/api/v1/proxies/:id/config',
      { summary: 'Config dump: desired (what weft would send now) and acked (what the proxy accepted)', description: 'Private key material is always `[redacted]`.' },
      { params, response: { 200: S.configDumpSchema, 404: S.errorSchema, ...errors } },
      (req) => {
        const dump = view.configDump(proxyIdOf(req));
        if (!dump) throw unknownProxy(proxyIdOf(req));
        return redactSecrets(dump);
      },
    ),
  ];
}

function meshRoutes({ view }: RouteDeps): RouteOptions[] {
  return [
    route('GET', '/api/v1/services', { summary: 'Services and endpoints from discovery' }, { response: { 200: S.serviceListSchema, 401: S.errorSchema } }, () =>
      redactSecrets({ services: view.services() }),
    ),
    route('GET', '/api/v1/policy', { summary: 'Loaded policy version and the last rejected change' }, { response: { 200: S.policySchema, 401: S.errorSchema } }, () =>
      redactSecrets(view.policy()),
    ),
    route(
      'POST', '/api/v1/validate',
      {
        summary: 'Validate policy documents against the current registry without applying them',
        description: 'Body: `{ "files": [{ "path", "text" }] }`, or one YAML file as application/yaml. 200 with `ok: false` when the policy has errors.',
        consumes: ['application/json', 'application/yaml'],
      },
      { body: S.validateBodySchema, response: { 200: S.validateResultSchema, 413: S.errorSchema, 415: S.errorSchema, ...errors } },
      (req) => {
        const { files } = req.body as { files: { path: string; text: string }[] };
        const result = view.validate(files);
        return { ok: result.ok, documents: result.documents, diagnostics: result.diagnostics, formatted: result.diagnostics.map(formatDiagnostic) };
      },
    ),
    route('GET', '/api/v1/ca', { summary: 'Trust bundle (public certificates only) and CA expiry' }, { response: { 200: S.caSchema, 401: S.errorSchema } }, () =>
      redactSecrets(view.ca()),
    ),
  ];
}

function operationRoutes({ operations }: RouteDeps): RouteOptions[] {
  if (!operations) return [];
  return [
    route(
      'POST', '/api/v1/ca/rotation',
      {
        summary: 'Take one root rotation step: begin (trust old and new) or advance (sign with new, then drop old)',
        description: '409 while some connected proxy has not ACKed the current trust bundle (`waitingFor` names them); run it again later.',
      },
      { body: S.rotationBodySchema, response: { 200: S.rotationResultSchema, 409: S.errorSchema, ...errors } },
      async (req) => {
        const r = await operations.rotateRoot((req.body as { step: 'begin' | 'advance' }).step);
        if (!r.ok) throw new AdminError(409, AdminCode.Conflict, r.waitingFor?.length ? `${r.message}: ${r.waitingFor.join(', ')}` : r.message);
        return r;
      },
    ),
  ];
}

/** Every route but `/openapi.json`, which `app.ts` adds once the others are registered. */
export function adminRoutes(deps: RouteDeps): RouteOptions[] {
  return [...probeRoutes(deps), ...proxyRoutes(deps), ...meshRoutes(deps), ...mapRoutes(deps.view, S.errorSchema), ...operationRoutes(deps)];
}
