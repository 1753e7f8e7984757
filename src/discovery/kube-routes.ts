/**
 * Gateway API routes from Kubernetes: HTTPRoute, GRPCRoute (v1) and ReferenceGrant (v1beta1)
 * through informers, handed to the policy loader as policy files (`kubernetes/<Kind>/<ns>/<name>.yaml`)
 * so they pass the same schema and resolution, with the same diagnostics, as routes in the policy
 * directory; and their status (Accepted, ResolvedRefs per Service parent) written back through
 * the status subresource with the route's generation as observedGeneration. docs/gateway-api.md.
 *
 * `weft serve --kubernetes` runs one beside the registry source (control-plane.ts).
 */
import { CustomObjectsApi, makeInformer, type Informer, type ObjectCache, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { PolicyCodes, type Diagnostic, type PolicyFile } from '../policy/index.js';
import { Backoff } from './kube-watch.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** The controller name weft writes in route status. */
export const WEFT_CONTROLLER = 'weft.dev/mesh';

const KINDS = [
  { kind: 'HTTPRoute', version: 'v1', plural: 'httproutes' },
  { kind: 'GRPCRoute', version: 'v1', plural: 'grpcroutes' },
  { kind: 'ReferenceGrant', version: 'v1beta1', plural: 'referencegrants' },
  // The ingress gateway's Gateways (class weft only become policy files, see `objects`).
  { kind: 'Gateway', version: 'v1', plural: 'gateways' },
] as const;

/** Kinds that are read, never given a status by weft. */
const NO_STATUS = new Set(['ReferenceGrant', 'Gateway']);

export interface RouteObject extends KubernetesObject {
  readonly spec?: { readonly parentRefs?: readonly { group?: string; kind?: string; name: string; namespace?: string; port?: number }[] } & Record<string, unknown>;
  readonly status?: { readonly parents?: readonly ParentStatus[] };
}

export interface Condition { readonly type: string; readonly status: 'True' | 'False'; readonly reason: string; readonly message: string; readonly observedGeneration: number; readonly lastTransitionTime: string }
export interface ParentStatus { readonly parentRef: Record<string, unknown>; readonly controllerName: string; readonly conditions: readonly Condition[] }

/** Watches the four kinds cluster-wide; `files()` is what the policy loader reads. */
export class KubernetesRouteSource {
  private readonly informers: (Informer<RouteObject> & ObjectCache<RouteObject>)[] = [];
  private readonly listeners: (() => void)[] = [];
  /** The last watch error (the informer stops on one). */
  lastError: unknown;
  private stopped = false;

  constructor(private readonly kubeConfig: KubeConfig) {}

  async start(): Promise<void> {
    const api = this.kubeConfig.makeApiClient(CustomObjectsApi);
    for (const k of KINDS) {
      const list = () => api.listClusterCustomObject({ group: GATEWAY_GROUP, version: k.version, plural: k.plural }) as Promise<KubernetesListObject<RouteObject>>;
      const informer = makeInformer(this.kubeConfig, `/apis/${GATEWAY_GROUP}/${k.version}/${k.plural}`, list);
      for (const ev of ['add', 'update', 'delete'] as const) informer.on(ev, () => this.listeners.forEach((f) => f()));
      // An informer stops on a watch error (a 429 while a new CRD's storage initialises, a dropped
      // connection); it restarts (relist, then watch) after a growing delay.
      const backoff = new Backoff(200, 10_000);
      const retry = (err: unknown) => {
        this.lastError = err;
        if (this.stopped) return;
        setTimeout(() => void informer.start().then(() => backoff.reset(), retry), backoff.next()).unref();
      };
      informer.on('error', retry);
      this.informers.push(informer);
      // Without the CRDs installed the list fails: the source runs empty and keeps retrying.
      await informer.start().catch(retry);
    }
  }

  /** `ExtraPolicyFiles.loaded`: the status of every route after a policy load. */
  loaded(diagnostics: readonly Diagnostic[]): Promise<void> {
    return this.writeStatus(diagnostics);
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** Every object as a policy file, keyed by its path. */
  objects(): Map<string, { readonly kind: (typeof KINDS)[number]; readonly object: RouteObject }> {
    const out = new Map<string, { kind: (typeof KINDS)[number]; object: RouteObject }>();
    this.informers.forEach((inf, i) => {
      for (const o of inf.list()) {
        // Another controller's Gateway is none of weft's policy (it would only warn, WEFT2098).
        if (KINDS[i]!.kind === 'Gateway' && o.spec?.gatewayClassName !== 'weft') continue;
        out.set(routeFilePath(KINDS[i]!.kind, o), { kind: KINDS[i]!, object: o });
      }
    });
    return out;
  }

  files(): PolicyFile[] {
    return [...this.objects()].map(([path, { object }]) => ({ path, text: routeFileText(object) }));
  }

  /**
   * Writes the status of every route from the diagnostics of the last load (by file path);
   * stops before the next write once `proceed` says no (a replica that lost the Lease). Every
   * route is attempted; the first failure is thrown after the rest were written.
   */
  async writeStatus(diagnostics: readonly Diagnostic[], now = new Date(), proceed: () => boolean = () => true): Promise<void> {
    const api = this.kubeConfig.makeApiClient(CustomObjectsApi);
    let failed: unknown;
    for (const [path, { kind, object }] of this.objects()) {
      if (NO_STATUS.has(kind.kind)) continue;
      if (!proceed()) break;
      const mine = diagnostics.filter((d) => d.source?.file === path);
      await writeRouteStatus(api, kind, object, mine, now).catch((err: unknown) => (failed ??= err));
    }
    if (failed !== undefined) throw failed;
  }
}

/** Conflicts retried against a fresh read before a route's status write gives up. */
const STATUS_ATTEMPTS = 3;

/**
 * One route's status, written with the resourceVersion it was read at (so another controller's
 * parent entries written meanwhile are never overwritten). The informer's copy can be behind the
 * API server (another controller wrote its status, a label changed): on 409 Conflict the route is
 * read again and, when its spec is still the generation the diagnostics are about, the status is
 * made again from that read, keeping the others' entries. A newer generation is left alone: its
 * own load writes its status. A route deleted meanwhile (404) needs none.
 */
async function writeRouteStatus(api: CustomObjectsApi, kind: (typeof KINDS)[number], read: RouteObject, diagnostics: readonly Diagnostic[], now: Date): Promise<void> {
  const at = { group: GATEWAY_GROUP, version: kind.version, plural: kind.plural, namespace: read.metadata!.namespace!, name: read.metadata!.name! };
  let object = read;
  for (let attempt = 1; ; attempt++) {
    try {
      await api.replaceNamespacedCustomObjectStatus({ ...at, body: { ...object, status: routeStatus(object, diagnostics, now) } });
      return;
    } catch (err) {
      if (httpCode(err) === 404) return;
      if (httpCode(err) !== 409 || attempt === STATUS_ATTEMPTS) throw err;
    }
    try {
      object = await api.getNamespacedCustomObjectStatus(at) as RouteObject;
    } catch (err) {
      if (httpCode(err) === 404) return;
      throw err;
    }
    if (object.metadata?.generation !== read.metadata?.generation) return;
  }
}

const httpCode = (err: unknown) => (err as { code?: unknown }).code;

export function routeFilePath(kind: string, o: KubernetesObject): string {
  return `kubernetes/${kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}.yaml`;
}

/** The fields the policy schema reads (metadata beyond name, namespace, labels and weft's own
 * `weft.dev/` annotations is the API server's or other tools'). */
export function routeFileText(o: RouteObject): string {
  const { name, namespace, labels, annotations } = o.metadata ?? {};
  const ours = Object.entries(annotations ?? {}).filter(([k]) => k.startsWith('weft.dev/'));
  return stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name, namespace, ...(labels && { labels }), ...(ours.length > 0 && { annotations: Object.fromEntries(ours) }) }, spec: o.spec ?? {} });
}

/**
 * Status for each Service parent: `Accepted` False (UnsupportedValue) when the route has an error
 * other than a refused reference; `ResolvedRefs` False (RefNotPermitted) for a reference no
 * ReferenceGrant allows. Other controllers' parent entries are kept.
 */
export function routeStatus(o: RouteObject, diagnostics: readonly Diagnostic[], now: Date): { parents: ParentStatus[] } {
  const generation = o.metadata?.generation ?? 0;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const refused = errors.filter((d) => d.code === PolicyCodes.gatewayRefNotPermitted.code);
  const other = errors.filter((d) => d.code !== PolicyCodes.gatewayRefNotPermitted.code);
  const cond = (type: string, ok: boolean, reason: string, message: string): Condition => ({ type, status: ok ? 'True' : 'False', reason, message, observedGeneration: generation, lastTransitionTime: now.toISOString() });
  const ours = (o.spec?.parentRefs ?? []).filter((p) => p.kind === 'Service' && (p.group ?? '') === '').map((parentRef): ParentStatus => ({
    parentRef, controllerName: WEFT_CONTROLLER,
    conditions: [
      other.length ? cond('Accepted', false, 'UnsupportedValue', other[0]!.message) : cond('Accepted', true, 'Accepted', 'the route applies to callers of the Service'),
      refused.length ? cond('ResolvedRefs', false, 'RefNotPermitted', refused[0]!.message) : cond('ResolvedRefs', true, 'ResolvedRefs', 'every reference resolved'),
    ],
  }));
  return { parents: [...(o.status?.parents ?? []).filter((p) => p.controllerName !== WEFT_CONTROLLER), ...ours] };
}
