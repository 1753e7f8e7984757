/**
 * JSON Schemas of the admin API's inputs and outputs, written once and used twice: fastify
 * validates requests and serialises responses with them, and `openapi.ts` publishes them.
 *
 * Response schemas also drive fastify's serialiser, which drops properties a schema does not
 * name: every field of the `ControlPlaneView` values must appear here (the route tests compare
 * responses with the view's values to catch an omission).
 */

type Schema = Readonly<Record<string, unknown>>;

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const strArray = { type: 'array', items: str } as const;

/** `{ error: { code, message } }`: the one error shape of every 4xx and 5xx answer. */
export const errorSchema: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: str, message: str },
    },
  },
};

export const diagnosticSchema: Schema = {
  type: 'object',
  required: ['code', 'severity', 'message'],
  properties: {
    code: str,
    severity: { type: 'string', enum: ['error', 'warning'] },
    message: str,
    path: str,
    source: {
      type: 'object',
      required: ['file', 'line', 'col'],
      properties: { file: str, line: int, col: int },
    },
  },
};

const xdsType = { type: 'string', enum: ['LDS', 'RDS', 'CDS', 'EDS', 'SDS'] } as const;

const typeSyncSchema: Schema = {
  type: 'object',
  required: ['type', 'status', 'subscribed', 'resources'],
  properties: {
    type: xdsType,
    status: { type: 'string', enum: ['SYNCED', 'STALE', 'NACKED', 'NOT_SENT'] },
    desiredVersion: str,
    sentVersion: str,
    ackedVersion: str,
    subscribed: strArray,
    resources: int,
    nack: {
      type: 'object',
      required: ['message', 'at', 'version', 'resources'],
      properties: {
        message: str,
        at: str,
        version: str,
        resources: {
          type: 'array',
          items: { type: 'object', required: ['name'], properties: { name: str, source: str } },
        },
      },
    },
  },
};

export const proxySchema: Schema = {
  type: 'object',
  required: ['id', 'kind', 'peer', 'authenticated', 'channel', 'nodeIdCollisions', 'refusedServices', 'delta', 'connectedAt', 'types', 'configBytes'],
  properties: {
    id: str,
    kind: { type: 'string', enum: ['envoy', 'grpc'] },
    identity: str,
    namespace: str,
    serviceAccount: str,
    peer: str,
    authenticated: bool,
    channel: { type: 'string', enum: ['mtls', 'plaintext'] },
    nodeIdCollisions: { type: 'array', items: str },
    refusedServices: { type: 'array', items: str },
    delta: bool,
    connectedAt: str,
    policyVersion: str,
    types: { type: 'array', items: typeSyncSchema },
    certificate: {
      type: 'object',
      required: ['spiffeId', 'notAfter', 'serial'],
      properties: { spiffeId: str, notAfter: str, serial: str },
    },
    configBytes: int,
    locality: {
      type: 'object',
      required: ['from'],
      properties: { region: str, zone: str, from: { type: 'string', enum: ['registry', 'node'] } },
    },
    scope: {
      type: 'object',
      required: ['namespaces', 'services', 'refused'],
      properties: { namespaces: { type: 'array', items: str }, services: int, refused: { type: 'array', items: str } },
    },
    mtls: {
      type: 'array',
      description: 'Effective inbound mTLS mode per served service port and the level that set it.',
      items: {
        type: 'object',
        required: ['service', 'port', 'mode', 'from'],
        properties: {
          service: str, port: int, mode: { type: 'string', enum: ['strict', 'permissive', 'disabled'] },
          from: { type: 'string', enum: ['mesh', 'namespace', 'service', 'port'] }, source: str,
        },
      },
    },
  },
};

export const proxyListSchema: Schema = {
  type: 'object',
  required: ['proxies'],
  properties: { proxies: { type: 'array', items: proxySchema } },
};

const resourcesByType: Schema = {
  type: 'object',
  properties: Object.fromEntries(
    ['LDS', 'RDS', 'CDS', 'EDS', 'SDS'].map((t) => [t, { type: 'array', items: { type: 'object', additionalProperties: true } }]),
  ),
};

export const configDumpSchema: Schema = {
  type: 'object',
  required: ['proxy', 'desired', 'acked'],
  properties: { proxy: str, desired: resourcesByType, acked: resourcesByType },
};

const servicePortSchema: Schema = {
  type: 'object',
  required: ['name', 'port', 'targetPort', 'protocol'],
  properties: { name: str, port: int, targetPort: int, protocol: { type: 'string', enum: ['http', 'http2', 'grpc', 'tcp', 'tls'] } },
};

const endpointSchema: Schema = {
  type: 'object',
  required: ['address', 'labels', 'health'],
  properties: {
    address: str,
    ports: { type: 'object', additionalProperties: int },
    labels: { type: 'object', additionalProperties: str },
    region: str,
    zone: str,
    health: { type: 'string', enum: ['healthy', 'unhealthy', 'draining'] },
    serviceAccount: str,
    instance: str,
  },
};

export const serviceListSchema: Schema = {
  type: 'object',
  required: ['services'],
  properties: {
    services: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'namespace', 'hostname', 'serviceAccount', 'ports', 'endpoints'],
        properties: {
          key: str,
          name: str,
          namespace: str,
          hostname: str,
          serviceAccount: str,
          ports: { type: 'array', items: servicePortSchema },
          endpoints: { type: 'array', items: endpointSchema },
        },
      },
    },
  },
};

export const policySchema: Schema = {
  type: 'object',
  required: ['files', 'warnings'],
  properties: {
    version: str,
    commit: str,
    directory: str,
    files: strArray,
    loadedAt: str,
    warnings: { type: 'array', items: diagnosticSchema },
    lastError: {
      type: 'object',
      required: ['at', 'diagnostics'],
      properties: { at: str, diagnostics: { type: 'array', items: diagnosticSchema } },
    },
  },
};

/** Limits keep one request's work bounded; the body itself is capped at 1 MiB by fastify. */
export const validateBodySchema: Schema = {
  type: 'object',
  required: ['files'],
  additionalProperties: false,
  properties: {
    files: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        required: ['path', 'text'],
        additionalProperties: false,
        properties: { path: { type: 'string', minLength: 1, maxLength: 4096 }, text: str },
      },
    },
  },
};

export const validateResultSchema: Schema = {
  type: 'object',
  required: ['ok', 'documents', 'diagnostics', 'formatted'],
  properties: {
    ok: bool,
    documents: int,
    diagnostics: { type: 'array', items: diagnosticSchema },
    /** One `file:line:col path: severity: message [CODE]` line per diagnostic. */
    formatted: strArray,
  },
};

export const caSchema: Schema = {
  type: 'object',
  required: ['trustDomain', 'bundlePem', 'sequence', 'notAfter'],
  properties: { trustDomain: str, bundlePem: str, sequence: int, notAfter: str },
};

export const rotationBodySchema: Schema = {
  type: 'object',
  required: ['step'],
  additionalProperties: false,
  properties: { step: { type: 'string', enum: ['begin', 'advance'] } },
};

export const rotationResultSchema: Schema = {
  type: 'object',
  required: ['ok', 'phase', 'bundleSequence'],
  properties: { ok: { type: 'boolean' }, phase: { type: 'object', additionalProperties: str }, bundleSequence: int },
};

export const healthSchema: Schema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] } },
};

export const readinessSchema: Schema = {
  type: 'object',
  required: ['ready', 'reasons'],
  properties: { ready: bool, reasons: strArray },
};

export const proxyParamsSchema: Schema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 1024 } },
};

export const metricsTextSchema: Schema = { type: 'string', description: 'Prometheus text exposition format 0.0.4' };

export const openApiDocumentSchema: Schema = {
  type: 'object',
  additionalProperties: true,
  required: ['openapi', 'info', 'paths'],
  properties: { openapi: str },
};
