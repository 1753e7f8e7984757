/**
 * From an xDS node (and the identity its stream authenticated as) to a `ProxyDescription`.
 *
 * Node metadata keys weft reads (written by `weft bootstrap`, documented in docs/bootstrap.md):
 * `namespace`, `service_account`, `labels` (object), `instance_ips` (comma-separated or list),
 * `interception` (`iptables` | `explicit`), `services` (comma-separated service keys this proxy
 * serves), `server_listener_resource_name_template` (proxyless gRPC servers).
 *
 * The namespace and service account always come from the authenticated identity when there is
 * one; metadata that claims otherwise is refused before this point (see auth.ts).
 */
import { formatSpiffeId, workloadId } from '../ca/index.js';
import type { NodeInfo } from '../xds/index.js';
import type { InterceptionMode, ProxyDescription, ProxyKind, ServiceRegistry } from '../model/index.js';

/** Envoy sends `envoy`; gRPC libraries send names like `gRPC Node Pure JS` or `grpc-go`. */
export function proxyKind(node: NodeInfo): ProxyKind {
  const ua = node.userAgentName.toLowerCase();
  return ua !== 'envoy' && ua.includes('grpc') ? 'grpc' : 'envoy';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

function labels(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export interface ProxyIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly spiffeId: string;
}

/** Builds the description translate works from. `registry` resolves served services by IP. */
export function describeProxy(node: NodeInfo, id: ProxyIdentity, registry: ServiceRegistry | undefined): ProxyDescription {
  const md = node.metadata;
  const ips = list(md.instance_ips);
  const interception: InterceptionMode = md.interception === 'iptables' ? 'iptables' : 'explicit';
  return Object.freeze({
    id: node.id,
    kind: proxyKind(node),
    namespace: id.namespace,
    serviceAccount: id.serviceAccount,
    identity: id.spiffeId,
    labels: labels(md.labels),
    ips,
    interception,
    services: servedServices(list(md.services), ips, id, registry),
    serverListenerTemplate: str(md.server_listener_resource_name_template),
  });
}

/** Explicit `services` metadata wins; else services with an endpoint at one of the proxy's IPs
 * run by the same service account. */
function servedServices(explicit: string[], ips: string[], id: ProxyIdentity, registry: ServiceRegistry | undefined): string[] {
  if (explicit.length > 0) return [...new Set(explicit)].sort();
  if (!registry || ips.length === 0) return [];
  const out: string[] = [];
  for (const s of registry.services.values()) {
    if (s.serviceAccount !== id.serviceAccount || s.namespace !== id.namespace) continue;
    if (s.endpoints.some((e) => ips.includes(e.address))) out.push(s.key);
  }
  return out;
}

/**
 * Identity claimed by node metadata (plaintext streams only), or why the claim is not a valid
 * workload identity (e.g. a namespace containing `/`).
 */
export function claimedIdentity(node: NodeInfo, trustDomain: string): ProxyIdentity | string {
  const namespace = str(node.metadata.namespace) ?? 'default';
  const serviceAccount = str(node.metadata.service_account) ?? 'default';
  const id = workloadId(trustDomain, namespace, serviceAccount);
  if (!id.ok) return `node metadata namespace "${namespace}" / service_account "${serviceAccount}" is not a workload identity: ${id.error.message}`;
  return { trustDomain, namespace, serviceAccount, spiffeId: formatSpiffeId(id.id) };
}
