/**
 * The `ControlPlaneView` of a running control plane, over the reconciler, the xDS server's
 * streams, the registry and the CA. Builds fresh values on every call; redacts private keys.
 */
import { loadPolicyDocuments, checkPolicyAgainstRegistry, effectiveMtls, type PolicyLoadResult } from '../policy/index.js';
import type { RegistrySource, Service } from '../discovery/index.js';
import { pushOrder, shortTypeName, type EncodedResource } from '../xds/index.js';
import type { ConnectedProxy } from './proxy-set.js';
import { registryLocality } from './proxies.js';
import type { Reconciler } from './reconciler.js';
import { redactSecrets } from './redact.js';
import type { EdgeStats, EdgeView } from './edge-stats.js';
import { buildGraph, type Graph } from './graph.js';
import { typeView } from './status.js';
import type { ConfigDump, ControlPlaneView, MtlsPortView, PolicyView, ProxyView, ReadinessView, ScopeView, XdsTypeShort } from './view.js';
import type { TranslationReads } from '../translate/index.js';
import { byText } from '../common/index.js';

export interface ViewSources {
  readonly reconciler: Reconciler;
  readonly registry: RegistrySource;
  readonly policyDirectory: string;
  readonly ca: () => ReturnType<ControlPlaneView['ca']>;
  readonly edgeStats?: EdgeStats;
}

export class RunningView implements ControlPlaneView {
  constructor(private readonly s: ViewSources) {}

  readiness(): ReadinessView {
    const reasons: string[] = [];
    const r = this.s.reconciler;
    if (!r.policyLoad) reasons.push(`no valid policy loaded from ${this.s.policyDirectory}: run \`weft validate ${this.s.policyDirectory}\``);
    if (!this.s.registry.synced) reasons.push(`${this.s.registry.kind} registry has not completed its initial sync`);
    return { ready: reasons.length === 0 && r.ready, reasons };
  }

  proxies(): readonly ProxyView[] {
    return this.s.reconciler.proxies.all().map((p) => this.proxyView(p)).sort(byText((v) => v.id));
  }

  proxy(id: string): ProxyView | undefined {
    const p = this.s.reconciler.proxies.byNodeId(id);
    return p && this.proxyView(p);
  }

  configDump(id: string): ConfigDump | undefined {
    const p = this.s.reconciler.proxies.byNodeId(id);
    if (!p) return undefined;
    const desired = emptyByType();
    const acked = emptyByType();
    for (const t of pushOrder) {
      for (const r of p.snapshot?.get(t) ?? []) desired[shortTypeName[t]].push(dump(r));
    }
    for (const s of p.streams) {
      for (const t of s.types()) {
        const set = p.snapshot?.get(t.typeUrl);
        for (const [name, version] of t.acked) {
          const r = set?.get(name);
          acked[shortTypeName[t.typeUrl]].push(r && r.version === version ? dump(r) : { name, version, note: 'ACKed version is no longer current' });
        }
      }
    }
    return { proxy: p.node.id, desired, acked };
  }

  services(): readonly Service[] {
    return [...this.s.registry.current().services.values()];
  }

  edges(): readonly EdgeView[] {
    return this.s.edgeStats?.edges() ?? [];
  }

  graph(): Graph {
    return buildGraph({ services: this.services(), policy: this.s.reconciler.policyLoad?.policy, proxies: this.proxies(), traffic: this.edges() });
  }

  policy(): PolicyView {
    const r = this.s.reconciler;
    return {
      version: r.policyLoad?.label,
      commit: r.policyLoad?.commit,
      directory: this.s.policyDirectory,
      files: r.policyLoad?.policy.files ?? [],
      ...(r.policyLoadedAt !== undefined ? { loadedAt: new Date(r.policyLoadedAt).toISOString() } : {}),
      warnings: r.policyWarnings,
      lastError: r.policyError && { at: new Date(r.policyError.at).toISOString(), diagnostics: r.policyError.diagnostics },
    };
  }

  validate(files: readonly { path: string; text: string }[]): PolicyLoadResult {
    const result = loadPolicyDocuments(files);
    if (!result.ok || !this.s.registry.synced) return result;
    const refs = checkPolicyAgainstRegistry(result.policy, this.s.registry.current().services);
    if (refs.length === 0) return result;
    const diagnostics = [...result.diagnostics, ...refs];
    return refs.some((d) => d.severity === 'error') ? { ok: false, diagnostics, documents: result.documents } : { ...result, diagnostics };
  }

  ca() {
    return this.s.ca();
  }

  private proxyView(p: ConnectedProxy): ProxyView {
    const stream = [...p.streams][0];
    const types = [...p.streams].flatMap((s) => s.types()).map((t) => typeView(t, p.snapshot, (type, name) => this.s.reconciler.sourceOf(p, type, name)));
    return {
      id: p.node.id,
      kind: p.description?.kind ?? 'envoy',
      identity: p.identity.spiffeId,
      namespace: p.identity.namespace,
      serviceAccount: p.identity.serviceAccount,
      peer: stream?.peer ?? '',
      authenticated: p.channel === 'mtls',
      channel: p.channel,
      nodeIdCollisions: this.s.reconciler.proxies.withNodeId(p.node.id).filter((o) => o !== p).map((o) => `${o.channel} ${o.identity.spiffeId}`),
      refusedServices: p.refusedServices,
      delta: stream?.delta ?? false,
      connectedAt: new Date(Math.min(...[...p.streams].map((s) => s.openedAt))).toISOString(),
      policyVersion: p.label,
      types: types.sort((a, b) => order(a.type) - order(b.type)),
      certificate: p.certificate && { spiffeId: p.certificate.spiffeId, notAfter: new Date(p.certificate.notAfter).toISOString(), serial: p.certificate.serial },
      configBytes: p.configBytes,
      ...scopeView(this.s.reconciler.readsOf(p)),
      ...this.mtlsView(p),
      ...this.localityView(p),
    };
  }

  private localityView(p: ConnectedProxy): Pick<ProxyView, 'locality'> {
    const d = p.description;
    if (!d?.locality) return {};
    const fromRegistry = registryLocality(d.services, d.ips, this.s.registry.current()) !== undefined;
    return { locality: { ...d.locality, from: fromRegistry ? 'registry' : 'node' } };
  }

  /** Effective inbound mTLS per served service port (absent before policy loads). */
  private mtlsView(p: ConnectedProxy): { mtls?: MtlsPortView[] } {
    const policy = this.s.reconciler.policyLoad?.policy;
    if (!policy) return {};
    const services = this.s.registry.current().services;
    const out: MtlsPortView[] = [];
    for (const key of [...new Set(p.description?.services ?? [])].sort()) {
      const svc = services.get(key);
      for (const port of svc?.ports ?? []) {
        const e = effectiveMtls(policy, svc!, port.port);
        out.push({ service: key, port: port.port, mode: e.mode, from: e.from, ...(e.source ? { source: `${e.source.file}:${e.source.line}:${e.source.col}` } : {}) });
      }
    }
    return { mtls: out };
  }
}

function scopeView(reads: TranslationReads | undefined): { scope?: ScopeView } {
  if (!reads) return {};
  const { namespaces, keys, denied } = reads.scope;
  return { scope: { namespaces: namespaces ?? ['*'], services: keys.length - denied.length, refused: denied } };
}

const ORDER: XdsTypeShort[] = ['CDS', 'EDS', 'LDS', 'RDS', 'SDS'];
const order = (t: XdsTypeShort) => ORDER.indexOf(t);

function emptyByType(): Record<XdsTypeShort, object[]> {
  return { LDS: [], RDS: [], CDS: [], EDS: [], SDS: [] };
}

/** Envoy-style JSON of one resource with `@type` and its version, private keys redacted. */
function dump(r: EncodedResource): object {
  return redactSecrets({ '@type': r.typeUrl, version: r.version, ...r.message });
}
