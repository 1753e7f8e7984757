/** Test helpers for route-builder table tests: a one-service RouteContext and its Envoy routes. */
import type { RoutePolicy, Service, TrafficPolicy } from '../../src/model/index.js';
import { buildVirtualHost, type RouteContext, type VirtualHostResult } from '../../src/translate/build-routes.js';
import { virtualHost } from '../../src/translate/envoy/routes.js';
import type { Protocol } from '../../src/discovery/types.js';

export const SERVICE: Service = {
  key: 'api.shop', name: 'api', namespace: 'shop', hostname: 'api.shop.svc.cluster.local', serviceAccount: 'api',
  ports: [{ name: 'p', port: 8080, targetPort: 8080, protocol: 'http' }],
  endpoints: [{ address: '10.0.0.1', labels: { version: 'v1' }, health: 'healthy' }],
};

export interface CtxOptions { protocol?: Protocol; kind?: 'envoy' | 'grpc'; subsets?: string[]; timeoutMs?: number }

/** The context of `api.shop`'s only port with `routes` as its TrafficPolicy. */
export function contextOf(routes: RoutePolicy[], o: CtxOptions = {}): RouteContext {
  const port = { ...SERVICE.ports[0]!, protocol: o.protocol ?? 'http' };
  const traffic: TrafficPolicy = {
    service: SERVICE.key, routes, loadBalancer: 'round-robin',
    subsets: new Map((o.subsets ?? []).map((s) => [s, { version: s }])),
  };
  return { service: { ...SERVICE, ports: [port] }, port, traffic, timeoutMs: o.timeoutMs ?? 15_000,
    kind: o.kind ?? 'envoy', sameNamespace: true, destinations: new Map() };
}

/** IR and Envoy message of the first route, plus the diagnostics. */
export function firstRoute(routes: RoutePolicy[], o: CtxOptions = {}): { result: VirtualHostResult; envoy: Record<string, any> | undefined } {
  const result = buildVirtualHost(contextOf(routes, o));
  const envoy = (virtualHost(result.vhost).routes as Record<string, any>[])[0];
  return { result, envoy };
}
