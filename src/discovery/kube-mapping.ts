/**
 * Pure mapping from Kubernetes objects (Services, EndpointSlices, Pods) to service drafts.
 *
 * Decisions (documented in docs/registry.md):
 * - Protocol: `appProtocol` when set, else the port-name prefix (`http`, `http2`, `grpc`, `tcp`,
 *   alone or followed by `-`), else `tcp`. UDP and SCTP ports are left out: the mesh proxies TCP.
 * - Endpoints: merged from every EndpointSlice labelled `kubernetes.io/service-name`; the first
 *   address of each slice endpoint (the API says the addresses are fungible); FQDN slices ignored.
 * - Health: ready → healthy; not ready but serving and terminating → draining; otherwise
 *   unhealthy. Unhealthy endpoints stay in the registry so their state is visible; translation
 *   decides what Envoy receives. Unset `ready`/`serving` mean true, unset `terminating` false.
 * - Labels, service account and instance come from the Pod named by the endpoint's `targetRef`.
 *   An endpoint whose Pod is not (yet) known is left out until the Pod arrives, so it never
 *   appears with missing labels or a wrong identity. Endpoints without a Pod targetRef are kept
 *   with no labels.
 * - Locality: the zone is the slice endpoint's `zone`, else its node's `topology.kubernetes.io/zone`
 *   label; the region is its node's (`nodeName`) `topology.kubernetes.io/region` label (slices carry
 *   no region).
 * - Service account of the service: the one most of its pods run as (ties: alphabetical),
 *   `default` when no pod is known.
 */
import type { V1EndpointSlice, V1Node, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { ServiceDraft } from './registry-build.js';
import type { Endpoint, EndpointHealth, Protocol, ServicePort } from './types.js';
import { compareText } from '../common/index.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const HEALTH_RANK: Record<EndpointHealth, number> = { healthy: 0, draining: 1, unhealthy: 2 };

/** Protocol of a Service port from `appProtocol` or its name prefix. */
export function portProtocol(p: Pick<V1ServicePort, 'name' | 'appProtocol'>): Protocol {
  const app = p.appProtocol?.toLowerCase();
  if (app === 'http' || app === 'grpc' || app === 'tcp' || app === 'http2' || app === 'tls') return app;
  if (app === 'kubernetes.io/h2c' || app === 'h2c') return 'http2';
  const prefix = (p.name ?? '').split('-')[0];
  if (prefix === 'http' || prefix === 'http2' || prefix === 'grpc' || prefix === 'tcp' || prefix === 'tls') return prefix;
  return 'tcp';
}

/** Kubernetes allows one unnamed port; weft needs a DNS-label name for every port. */
function portName(name: string | undefined, port: number): string {
  return name ? name : `port-${port}`;
}

function servicePorts(svc: V1Service): ServicePort[] {
  const out: ServicePort[] = [];
  for (const p of svc.spec?.ports ?? []) {
    if ((p.protocol ?? 'TCP') !== 'TCP') continue;
    const target = typeof p.targetPort === 'number' ? p.targetPort : Number(p.targetPort);
    const targetPort = Number.isInteger(target) && target > 0 ? target : p.port;
    out.push({ name: portName(p.name, p.port), port: p.port, targetPort, protocol: portProtocol(p) });
  }
  return out;
}

export function endpointHealth(c: { ready?: boolean; serving?: boolean; terminating?: boolean } | undefined): EndpointHealth {
  const ready = c?.ready ?? true;
  const serving = c?.serving ?? ready;
  if (ready) return 'healthy';
  if (serving && c?.terminating === true) return 'draining';
  return 'unhealthy';
}

export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** A node's locality labels (only what the mapping reads of a Node, so heartbeats change nothing). */
export interface NodeLocality { readonly region?: string; readonly zone?: string }

function sliceEndpoints(slice: V1EndpointSlice, svc: V1Service, declared: readonly ServicePort[], pods: ReadonlyMap<string, V1Pod>, nodes: ReadonlyMap<string, NodeLocality>): Endpoint[] {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const ns = svc.metadata?.namespace ?? 'default';
  const unnamed = svc.spec?.ports?.length === 1 ? declared[0]?.name : undefined;
  const ports: Record<string, number> = {};
  for (const sp of slice.ports ?? []) {
    const name = sp.name ? sp.name : unnamed;
    const declaredPort = declared.find((d) => d.name === name);
    if (declaredPort && sp.port !== undefined && sp.port !== declaredPort.targetPort) ports[declaredPort.name] = sp.port;
  }
  const out: Endpoint[] = [];
  for (const e of slice.endpoints ?? []) {
    const address = e.addresses?.[0];
    if (!address) continue;
    const ref = e.targetRef;
    const pod = ref?.kind === 'Pod' ? pods.get(`${ref.namespace ?? ns}/${ref.name}`) : undefined;
    if (ref?.kind === 'Pod' && !pod) continue;
    const ep: { -readonly [K in keyof Endpoint]: Endpoint[K] } = { address, labels: { ...(pod?.metadata?.labels ?? {}) }, health: endpointHealth(e.conditions) };
    if (Object.keys(ports).length > 0) ep.ports = ports;
    const node = e.nodeName ? nodes.get(e.nodeName) : undefined;
    if (node?.region) ep.region = node.region;
    if (e.zone || node?.zone) ep.zone = e.zone || node!.zone;
    if (pod) ep.serviceAccount = pod.spec?.serviceAccountName || 'default';
    if (ref?.name) ep.instance = ref.name;
    out.push(ep);
  }
  return out;
}

/** Merges endpoints from several slices; an address seen twice keeps its healthiest entry. */
function mergeEndpoints(all: readonly Endpoint[]): Endpoint[] {
  const byKey = new Map<string, Endpoint>();
  for (const e of all) {
    const key = `${e.address}|${JSON.stringify(e.ports ?? {})}`;
    const prev = byKey.get(key);
    if (!prev || HEALTH_RANK[e.health] < HEALTH_RANK[prev.health]) byKey.set(key, e);
  }
  return [...byKey.values()];
}

function majorityServiceAccount(endpoints: readonly Endpoint[]): string {
  const counts = new Map<string, number>();
  for (const e of endpoints) if (e.serviceAccount) counts.set(e.serviceAccount, (counts.get(e.serviceAccount) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
  return ranked[0]?.[0] ?? 'default';
}

export interface KubeObjects {
  readonly services: readonly V1Service[];
  readonly slices: readonly V1EndpointSlice[];
  readonly pods: readonly V1Pod[];
  /** Absent: no node localities (endpoints keep the slice's zone only). */
  readonly nodes?: readonly V1Node[];
}

/**
 * Remembers, per Service object, the inputs its draft was built from. The informer replaces an
 * object on every change, so identical identities mean identical content: an unchanged service
 * then keeps its draft (and, through registry-build, its built Service), and a change costs work
 * proportional to what changed, not to the cluster.
 */
export type DraftMemo = WeakMap<V1Service, { readonly inputs: readonly unknown[]; readonly draft: ServiceDraft }>;

function indexPods(pods: readonly V1Pod[]): Map<string, V1Pod> {
  const out = new Map<string, V1Pod>();
  for (const p of pods) out.set(`${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`, p);
  return out;
}

function indexNodes(nodes: readonly V1Node[]): Map<string, NodeLocality> {
  const out = new Map<string, NodeLocality>();
  for (const n of nodes) {
    const labels = n.metadata?.labels ?? {};
    const region = labels[REGION_LABEL];
    const zone = labels[ZONE_LABEL];
    out.set(n.metadata?.name ?? '', { ...(region ? { region } : {}), ...(zone ? { zone } : {}) });
  }
  return out;
}

function indexSlices(slices: readonly V1EndpointSlice[]): Map<string, V1EndpointSlice[]> {
  const out = new Map<string, V1EndpointSlice[]>();
  for (const s of slices) {
    const svcName = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svcName) continue;
    const key = `${s.metadata?.namespace ?? 'default'}/${svcName}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

/** What a service's draft depends on: its slices, the pods they point at, and the locality of the
 * nodes they run on (as text: a Node object changes with every status update), in order. */
function inputsOf(slices: readonly V1EndpointSlice[], namespace: string, pods: ReadonlyMap<string, V1Pod>, nodes: ReadonlyMap<string, NodeLocality>): unknown[] {
  const inputs: unknown[] = [...slices];
  for (const s of slices) {
    for (const e of s.endpoints ?? []) {
      if (e.targetRef?.kind === 'Pod') inputs.push(pods.get(`${e.targetRef.namespace ?? namespace}/${e.targetRef.name}`));
      if (e.nodeName) {
        const n = nodes.get(e.nodeName);
        inputs.push(`${n?.region ?? ''}\u0000${n?.zone ?? ''}`);
      }
    }
  }
  return inputs;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Maps the current objects to drafts. Pure apart from `memo`; never throws on incomplete objects. */
export function mapKubeObjects(objs: KubeObjects, memo?: DraftMemo): ServiceDraft[] {
  const pods = indexPods(objs.pods);
  const nodes = indexNodes(objs.nodes ?? []);
  const slicesBySvc = indexSlices(objs.slices);
  const drafts: ServiceDraft[] = [];
  for (const svc of objs.services) {
    const name = svc.metadata?.name;
    if (!name || svc.spec?.type === 'ExternalName') continue;
    const namespace = svc.metadata?.namespace ?? 'default';
    const slices = slicesBySvc.get(`${namespace}/${name}`) ?? [];
    const inputs = inputsOf(slices, namespace, pods, nodes);
    const remembered = memo?.get(svc);
    if (remembered && sameInputs(remembered.inputs, inputs)) {
      drafts.push(remembered.draft);
      continue;
    }
    const ports = servicePorts(svc);
    const endpoints = mergeEndpoints(slices.flatMap((s) => sliceEndpoints(s, svc, ports, pods, nodes)));
    const addresses = clusterAddresses(svc);
    const draft = { name, namespace, serviceAccount: majorityServiceAccount(endpoints), ports, endpoints, ...(addresses.length > 0 ? { addresses } : {}) };
    memo?.set(svc, { inputs, draft });
    drafts.push(draft);
  }
  return drafts;
}

/** The Service's cluster IPs (`spec.clusterIPs`, else `spec.clusterIP`); none for a headless
 * Service (`None`), whose callers dial endpoint addresses. */
export function clusterAddresses(svc: V1Service): string[] {
  const ips = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}
