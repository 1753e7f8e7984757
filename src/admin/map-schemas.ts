/**
 * JSON schemas of the service map routes (`/api/v1/graph`, `/api/v1/edges`): fastify serialises
 * responses through them (a field missing here is dropped) and openapi.ts documents them.
 */
type Schema = Readonly<Record<string, unknown>>;

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const strArray = { type: 'array', items: str } as const;
const edgeKey = {
  sourceNamespace: str, sourceWorkload: str, destinationService: str, destinationPort: str, destinationSubset: str,
} as const;

export const edgeListSchema: Schema = {
  type: 'object',
  required: ['edges'],
  properties: {
    edges: {
      type: 'array',
      items: {
        type: 'object',
        required: [...Object.keys(edgeKey), 'requestsPerSecond', 'errorRate', 'totals', 'lastSeen'],
        properties: {
          ...edgeKey, requestsPerSecond: num, errorRate: num, p99Ms: num, lastSeen: num,
          totals: {
            type: 'object',
            required: ['requests', 'errors', 'grpcErrors', 'byClass'],
            properties: { requests: num, errors: num, grpcErrors: num, byClass: { type: 'object', additionalProperties: num } },
          },
        },
      },
    },
  },
};

const proxySchema = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: str, status: { enum: ['SYNCED', 'STALE', 'NACKED'] },
    nack: { type: 'object', required: ['type', 'message', 'sources'], properties: { type: str, message: str, sources: strArray } },
  },
} as const;

export const graphSchema: Schema = {
  type: 'object',
  required: ['namespaces', 'nodes', 'edges'],
  properties: {
    policyVersion: str,
    namespaces: strArray,
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'name', 'namespace', 'subsets', 'proxies'],
        properties: { id: str, kind: { enum: ['service', 'workload'] }, name: str, namespace: str, hostname: str, subsets: strArray, proxies: { type: 'array', items: proxySchema } },
      },
    },
    edges: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from', 'to', 'kind', 'mtls', 'authz'],
        properties: {
          from: str, to: str, subset: str, port: str, kind: { enum: ['route', 'traffic'] }, weight: num, source: str,
          requestsPerSecond: num, errorRate: num, p99Ms: num,
          mtls: { enum: ['strict', 'permissive', 'disabled'] }, authz: { enum: ['open', 'allowed', 'denied', 'restricted'] },
        },
      },
    },
  },
};
