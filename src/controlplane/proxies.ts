/**
 * From an xDS node (and the identity its stream authenticated as) to a `ProxyDescription`.
 *
 * Node metadata keys weft reads (written by `weft bootstrap`, documented in docs/bootstrap.md):
 * `namespace`, `service_account`, `labels` (object), `instance_ips` (comma-separated or list),
 * `interception` (`iptables` | `explicit`), `services` (comma-separated service keys this proxy
 * serves), `server_listener_resource_name_template` (proxyless gRPC servers), `inbound_forward`
 * (`instance-ip` | `loopback`), `outbound_address` (explicit mode's outbound bind address), and for
 * ingress gateways `weft_kind: gateway` with `gateway` (`<namespace>/<name>` of the Gateway).
 *
 * The locality (`node.locality` region and zone) is the registry's for the proxy's own endpoint
 * when it has one, else the node's: it only orders the proxy's own endpoint preferences, so node
 * data is acceptable for it, as it never is for identity.
 *
 * The namespace and service account always come from the stream's identity; on the mTLS port,
 * metadata that claims otherwise is refused before this point (see auth.ts). Metadata may narrow
 * what a proxy gets, never widen it: the services a proxy serves are derived from the registry
 * (its identity runs the service, one of its instance IPs is an endpoint of it, as Istio derives a
 * workload from its Pod); a `services` claim outside that set is refused and reported.
 */
import { formatSpiffeId, workloadId } from '../ca/index.js';
import type { NodeInfo } from '../xds/index.js';
import { ServiceGrouping, type InterceptionMode, type ProxyDescription, type ProxyKind, type ProxyLocality, type ServiceRegistry } from '../model/index.js';
import { identityKey } from './model-diff.js';

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

/** A proxy's description and the `services` claims that were refused (not derivable). */
export interface DescribedProxy {
  readonly proxy: ProxyDescription;
  readonly refusedServices: readonly string[];
}

/** Builds the description translate works from. `registry` decides which services it serves. */
export function describeProxy(node: NodeInfo, id: ProxyIdentity, registry: ServiceRegistry | undefined): DescribedProxy {
  const md = node.metadata;
  const ips = list(md.instance_ips);
  const interception: InterceptionMode = md.interception === 'iptables' ? 'iptables' : 'explicit';
  const gateway = gatewayOf(node);
  // A gateway serves no workload: no inbound side, whatever its identity also runs.
  const served = gateway !== undefined ? { services: [], refused: [] } : servedServices(list(md.services), ips, id, registry);
  const locality = registryLocality(served.services, ips, registry) ?? nodeLocality(node);
  const proxy: ProxyDescription = Object.freeze({
    id: node.id,
    kind: proxyKind(node),
    namespace: id.namespace,
    serviceAccount: id.serviceAccount,
    identity: id.spiffeId,
    labels: labels(md.labels),
    ips,
    interception,
    services: served.services,
    ...(gateway !== undefined ? { gateway } : {}),
    ...(locality ? { locality } : {}),
    serverListenerTemplate: str(md.server_listener_resource_name_template),
    ...(md.inbound_forward === 'loopback' || md.inbound_forward === 'instance-ip' ? { inboundForward: md.inbound_forward } : {}),
    ...(str(md.outbound_address) ? { outboundAddress: str(md.outbound_address) } : {}),
  });
  return { proxy, refusedServices: served.refused };
}

/**
 * The Gateway (`<namespace>/<name>`) a gateway proxy's node names (`weft_kind: gateway`), or why
 * the claim is malformed; undefined for any other proxy. auth.ts refuses a malformed claim and one
 * whose namespace is not the stream's.
 */
export function gatewayClaim(node: NodeInfo): { namespace: string; name: string } | string | undefined {
  if (node.metadata.weft_kind !== 'gateway') return undefined;
  const g = str(node.metadata.gateway);
  const m = g === undefined ? null : /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(g);
  if (!m) return `node metadata weft_kind is gateway, and gateway ${g === undefined ? 'is missing' : `"${g}" is not <namespace>/<name>`} (weft bootstrap --kind gateway --gateway NS/NAME)`;
  return { namespace: m[1]!, name: m[3]! };
}

function gatewayOf(node: NodeInfo): string | undefined {
  const claim = gatewayClaim(node);
  return claim && typeof claim !== 'string' ? `${claim.namespace}/${claim.name}` : undefined;
}

/** The region and zone of the first of `services`' endpoints at one of `ips` that has either. */
export function registryLocality(services: readonly string[], ips: readonly string[], registry: ServiceRegistry | undefined): ProxyLocality | undefined {
  for (const key of services) {
    for (const e of registry?.services.get(key)?.endpoints ?? []) {
      if ((e.region !== undefined || e.zone !== undefined) && ips.includes(e.address)) return localityOf(e.region, e.zone);
    }
  }
  return undefined;
}

function nodeLocality(node: NodeInfo): ProxyLocality | undefined {
  const l = node.locality;
  return l && (l.region || l.zone) ? localityOf(l.region || undefined, l.zone || undefined) : undefined;
}

function localityOf(region: string | undefined, zone: string | undefined): ProxyLocality {
  return Object.freeze({ ...(region !== undefined ? { region } : {}), ...(zone !== undefined ? { zone } : {}) });
}

/**
 * The registry services run by `id` with an endpoint at one of `ips`, sorted. A non-empty
 * `claimed` list narrows that set; claimed keys outside it are returned as `refused`.
 */
export function servedServices(claimed: readonly string[], ips: readonly string[], id: ProxyIdentity, registry: ServiceRegistry | undefined): { services: string[]; refused: string[] } {
  const derived: string[] = [];
  for (const s of (registry && byIdentity.of(registry).get(identityKey(id.namespace, id.serviceAccount))) ?? []) {
    if (s.endpoints.some((e) => ips.includes(e.address))) derived.push(s.key);
  }
  derived.sort();
  if (claimed.length === 0) return { services: derived, refused: [] };
  const wanted = new Set(claimed);
  return { services: derived.filter((k) => wanted.has(k)), refused: [...wanted].filter((k) => !derived.includes(k)).sort() };
}

/**
 * A registry's services by `<namespace>/<service account>`, built once per registry value, when a
 * proxy is described. Not carried from registry to registry as the namespace groups are: with one
 * group per identity, copying the groups costs what grouping again does, and most changes describe
 * no proxy (measured: the one-change benchmark's 2.6–3.0 ms rose to 4.5–4.7 ms with the carry).
 */
const byIdentity = new ServiceGrouping((s) => identityKey(s.namespace, s.serviceAccount));

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
