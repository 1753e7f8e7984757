/**
 * The reconciler: the only stateful glue (DESIGN.md §1). It turns policy and registry changes,
 * proxy connections and certificate rotations into snapshots in the xDS cache.
 *
 * Rules:
 * - Debounce: policy changes are merged (100 ms quiet, 10 s max by default: a checkout writes
 *   many files, and a half-written one must not be served); registry changes are merged on their
 *   own, shorter clock (10 ms quiet, 100 ms max by default): sources already debounce, endpoint
 *   churn never stops, and with work following change a rebuild costs what changed.
 * - Last good: a policy change that fails to load, references unknown services, changes the trust
 *   domain, or makes translation fail for a connected proxy is rejected whole and reported
 *   (`policyError`); the previous policy keeps serving.
 * - Readiness: nothing is published until policy has loaded and the registry source has synced,
 *   so a restart never pushes an empty or shrunken configuration (istio#25100).
 * - Work follows change: a new model is diffed against the previous one (model-diff.ts) and only
 *   the proxies whose last translation read a changed entry are translated again (dependents.ts);
 *   the trial translation of a policy change takes the same path.
 * - Publishing a proxy translates (memoised by the translation cache, so unchanged pieces are the
 *   same objects), attaches its secrets, and sets its snapshot; a resource list that is the same
 *   as last time keeps its encoded set; streams send only what differs.
 * - `settled()` resolves when no change is pending: tests wait on it instead of sleeping.
 */
import { performance } from 'node:perf_hooks';
import { checkPolicyAgainstRegistry, formatDiagnostic, hasErrors, type Diagnostic, type PolicySet } from '../policy/index.js';
import type { RegistryChange, RegistrySource, ServiceRegistry } from '../discovery/index.js';
import type { MeshModel } from '../model/index.js';
import { TranslationCache, lowerBound, translate, type TranslatedResource, type TranslationReads } from '../translate/index.js';
import { ResourceSetInterner, TypeUrl, snapshotOf, type EncodedResource, type ResourceSet, type AuthRequest, type AuthResult, type ResourceEncoder, type ResourceTypeUrl, type SnapshotCache, type StreamInfo } from '../xds/index.js';
import { StreamPrincipal, authenticate, refuseChannel, type Channel } from './auth.js';
import { Debouncer, type DebounceOptions } from './debounce.js';
import type { Logger } from './log.js';
import type { PolicyLoad, PolicySource } from './policy-source.js';
import { Dependents } from './dependents.js';
import { diffModels, identityKey, type ModelChange } from './model-diff.js';
import { describeProxy } from './proxies.js';
import { ProxySet, type ConnectedProxy } from './proxy-set.js';
import { SecretBuilder, type CertificateSource, type GatewayCertificateSource } from './secrets.js';
import { ControlPlaneCodes } from './codes.js';

export interface ReconcilerHooks {
  onTranslate?(ms: number, proxies: number): void;
  onMerge?(changes: number): void;
  onPolicyLoad?(ok: boolean): void;
  onPublish?(proxy: ConnectedProxy): void;
  onProxyGone?(proxy: ConnectedProxy): void;
  onReady?(ready: boolean): void;
}

export interface ReconcilerOptions {
  readonly policy: PolicySource;
  readonly registry: RegistrySource;
  /** Snapshots of mTLS proxies, served by the mTLS port. */
  readonly cache: SnapshotCache;
  /** Snapshots of plaintext proxies, served only by the plaintext port (never `cache`). */
  readonly plaintextCache?: SnapshotCache;
  readonly encoder: ResourceEncoder;
  readonly certificates: CertificateSource;
  /** Gateway listener certificates (`--gateway-certs`, Kubernetes Secrets); absent: none served. */
  readonly gatewayCertificates?: GatewayCertificateSource;
  /** The CA's trust domain; a policy naming another one is rejected. */
  readonly trustDomain: string;
  readonly log: Logger;
  readonly debounce?: DebounceOptions;
  /** How registry changes are merged; default 10 ms quiet, 100 ms max. */
  readonly registryDebounce?: DebounceOptions;
  readonly hooks?: ReconcilerHooks;
}

export class Reconciler {
  readonly proxies = new ProxySet();
  policyLoad?: PolicyLoad;
  /** When `policyLoad` was accepted (ms since the epoch). */
  policyLoadedAt?: number;
  /**
   * Warnings of the policy serving now: its load's, and those found against the registry when it
   * was accepted (a Mesh locality block over services without outlier detection, WEFT2083). Each
   * is logged once per accepted load.
   */
  policyWarnings: readonly Diagnostic[] = [];
  policyError?: { at: number; diagnostics: readonly Diagnostic[] };
  model?: MeshModel;
  private readonly tcache = new TranslationCache();
  private readonly interner = new ResourceSetInterner();
  private readonly dependents = new Dependents<ConnectedProxy>();
  /** Per proxy, the translated lists last published and what they were derived from. */
  private readonly published = new WeakMap<ConnectedProxy, Published>();
  private readonly setsByList = new WeakMap<readonly TranslatedResource[], ResourceSet>();
  private readonly registryTrail = new RegistryTrail();
  private readonly secrets: SecretBuilder;
  private readonly debouncer: Debouncer;
  private readonly registryDebouncer: Debouncer;
  private policyDirty = false;

  constructor(private readonly o: ReconcilerOptions) {
    this.secrets = new SecretBuilder(o.certificates, o.gatewayCertificates);
    this.debouncer = new Debouncer(o.debounce ?? { quietMs: 100, maxMs: 10_000 }, (n) => this.flush(n));
    this.registryDebouncer = new Debouncer(o.registryDebounce ?? { quietMs: 10, maxMs: 100 }, (n) => {
      this.o.hooks?.onMerge?.(n);
      this.rebuild();
    });
  }

  get ready(): boolean {
    return this.model !== undefined;
  }

  /**
   * Waits for the registry's initial sync, then loads policy (so it is checked against the
   * services that exist), starts watching, and publishes.
   */
  async start(): Promise<void> {
    this.o.registry.onChange((c) => {
      this.registryTrail.note(c);
      this.registryDebouncer.trigger();
    });
    this.o.registry.onError((d) => this.o.log.warn('registry change rejected; serving the last good registry', { errors: d.length, first: d[0] ? formatDiagnostic(d[0]) : undefined }));
    await this.o.registry.start();
    await this.reloadPolicy();
    this.o.policy.watch(() => {
      this.policyDirty = true;
      this.debouncer.trigger();
    });
    this.o.certificates.onRotate((id) => this.rotated(id));
    this.o.gatewayCertificates?.onChange(() => this.gatewayCertificatesChanged());
    this.rebuild();
  }

  stop(): void {
    this.debouncer.stop();
    this.registryDebouncer.stop();
    this.o.gatewayCertificates?.close?.();
    this.o.policy.stop();
    void this.o.registry.stop();
  }

  /** Resolves once no change is waiting or being applied. */
  async settled(): Promise<void> {
    while (this.debouncer.busy || this.registryDebouncer.busy) {
      await Promise.all([this.debouncer.flushNow(), this.registryDebouncer.flushNow()]);
    }
  }

  /** The xDS `authenticate` hook of the server listening for `channel`. */
  authenticate(req: AuthRequest, channel: Channel): AuthResult {
    const result = channel === 'plaintext' && !this.o.plaintextCache ? refuseChannel(channel) : authenticate(req, this.o.trustDomain, channel);
    if (!result.ok) this.o.log.warn('xDS stream refused', { node: req.node.id, peer: req.stream.peer, channel, reason: result.message });
    return result;
  }

  /** xDS callback: a stream finished authentication. */
  streamBound(stream: StreamInfo): void {
    const auth = StreamPrincipal.of(stream);
    if (!auth || !stream.key || !stream.node) return;
    const { proxy, created } = this.proxies.attach(stream.key, stream, stream.node, auth.identity, auth.channel);
    if (created && this.model) this.publish(proxy, this.model);
  }

  /** xDS callback: a stream ended. */
  streamClosed(stream: StreamInfo): void {
    if (!stream.key) return;
    const gone = this.proxies.detach(stream.key, stream);
    if (!gone) return;
    this.dependents.untrack(gone);
    if (this.proxies.withNodeId(gone.node.id).length === 0) this.tcache.forget({ proxyIds: [gone.node.id] });
    this.cacheOf(gone).delete(gone.key);
    if (gone.channel === 'mtls' && !this.proxies.usesIdentity(gone.identity.spiffeId)) this.o.certificates.release(gone.identity.spiffeId);
    this.o.hooks?.onProxyGone?.(gone);
  }

  private async flush(merged: number): Promise<void> {
    this.o.hooks?.onMerge?.(merged);
    if (this.policyDirty) {
      this.policyDirty = false;
      await this.reloadPolicy();
    }
    this.rebuild();
  }

  /** Loads the policy directory; accepts it only if it is valid against the current registry. */
  private async reloadPolicy(): Promise<void> {
    const r = await this.o.policy.load();
    const refs = r.ok && this.o.registry.synced ? checkPolicyAgainstRegistry(r.load.policy, this.o.registry.current().services) : [];
    const rejection = r.ok ? this.rejects(r.load.policy, refs) : r.diagnostics;
    if (!r.ok || rejection.length > 0) {
      this.policyError = { at: Date.now(), diagnostics: rejection };
      this.o.hooks?.onPolicyLoad?.(false);
      this.o.log.error(`policy change rejected; ${this.policyLoad ? 'serving the last good policy ' + this.policyLoad.label : 'not ready until a valid policy loads'}`, {
        errors: rejection.filter((d) => d.severity === 'error').length,
        first: rejection[0] ? formatDiagnostic(rejection[0]) : undefined,
      });
      return;
    }
    this.policyLoad = r.load;
    this.policyLoadedAt = Date.now();
    this.policyError = undefined;
    this.policyWarnings = [...r.load.warnings, ...refs];
    this.o.hooks?.onPolicyLoad?.(true);
    this.o.log.info('policy loaded', { version: r.load.label, files: r.load.policy.files.length, warnings: this.policyWarnings.length });
    this.logWarnings(this.policyWarnings);
  }

  /** One line per warning, the first `LOGGED_WARNINGS` of them, and how many more there are. */
  private logWarnings(warnings: readonly Diagnostic[]): void {
    for (const d of warnings.slice(0, LOGGED_WARNINGS)) this.o.log.warn('policy warning', { code: d.code, at: formatDiagnostic(d) });
    if (warnings.length > LOGGED_WARNINGS) {
      this.o.log.warn('more policy warnings not logged', { count: warnings.length - LOGGED_WARNINGS, see: 'the admin API /policy or weft validate' });
    }
  }

  /** Why a loaded policy cannot be applied now (empty when it can); `refs` is its check against
   * the current registry (empty before the registry synced). */
  private rejects(policy: PolicySet, refs: readonly Diagnostic[]): readonly Diagnostic[] {
    if (policy.mesh.trustDomain !== this.o.trustDomain) {
      return [{ code: ControlPlaneCodes.trustDomainChange.code, severity: 'error', message: `trustDomain "${policy.mesh.trustDomain}" differs from the CA's "${this.o.trustDomain}": changing the trust domain needs a restart with a CA for it`, ...(policy.mesh.source ? { source: policy.mesh.source } : {}) }];
    }
    if (!this.o.registry.synced) return [];
    if (hasErrors(refs)) return refs;
    const trial = this.modelOf(policy, this.o.registry.current());
    const { change, proxies } = this.touched(trial);
    for (const p of proxies) {
      const errors = this.translateFor(p, trial, change).diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) return errors;
    }
    return [];
  }

  private modelOf(policy: PolicySet, registry: ServiceRegistry): MeshModel {
    return Object.freeze({ version: `${policy.version}/${registry.version}`, policy, registry });
  }

  /** Builds the model from the last good policy and registry and publishes to every proxy. */
  private rebuild(): void {
    if (!this.policyLoad || !this.o.registry.synced) return;
    const wasReady = this.ready;
    const model = this.modelOf(this.policyLoad.policy, this.o.registry.current());
    if (model.version === this.model?.version) return;
    const t0 = performance.now();
    const { change, proxies: touched } = this.touched(model);
    this.model = model;
    this.registryTrail.restart(model.registry);
    for (const p of touched) this.publish(p, model, change);
    if (change) this.tcache.forget({ serviceKeys: new Set([...change.keys].filter((k) => !model.registry.services.has(k))) });
    this.o.hooks?.onTranslate?.(performance.now() - t0, touched.length);
    if (!wasReady) {
      this.o.log.info('ready: policy and registry synced; serving configuration', { version: this.policyLoad.label });
      this.o.hooks?.onReady?.(true);
    }
  }

  /** The connected proxies whose translation `model` may change, relative to the current model
   * (every proxy when there is none). */
  private touched(model: MeshModel): { change?: ModelChange; proxies: ConnectedProxy[] } {
    if (!this.model) return { proxies: this.proxies.all() };
    const keys = this.registryTrail.keysBetween(this.model.registry, model.registry);
    // What the source said changed is also all the namespace groups need to regroup.
    if (keys) this.tcache.succeed(this.model.registry, model.registry, keys);
    const change = diffModels(this.model, model, keys);
    return { change, proxies: [...this.dependents.affected(change)] };
  }

  /** Describes (unless `change` leaves the proxy's identity's services alone) and translates. */
  private translateFor(p: ConnectedProxy, model: MeshModel, change?: ModelChange) {
    const id = p.identity;
    if (p.description && change && !change.all && !change.identities.has(identityKey(id.namespace, id.serviceAccount))) {
      return translate({ model, proxy: p.description, cache: this.tcache });
    }
    const { proxy, refusedServices } = describeProxy(p.node, id, model.registry);
    p.description = proxy;
    if (refusedServices.join(',') !== p.refusedServices.join(',') && refusedServices.length > 0) {
      this.o.log.warn('proxy claims services its identity does not serve; claim ignored', { proxy: p.node.id, identity: p.identity.spiffeId, channel: p.channel, services: refusedServices.join(','), ips: proxy.ips.join(',') });
    }
    p.refusedServices = refusedServices;
    return translate({ model, proxy, cache: this.tcache });
  }

  /** Each channel publishes into its own cache: a plaintext stream can never read an mTLS snapshot. */
  private cacheOf(p: ConnectedProxy): SnapshotCache {
    return p.channel === 'mtls' ? this.o.cache : this.o.plaintextCache!;
  }

  /** Translates one proxy, attaches its secrets and sets its snapshot. */
  private publish(p: ConnectedProxy, model: MeshModel, change?: ModelChange): void {
    const result = this.translateFor(p, model, change);
    this.dependents.track(p, result.reads, p.identity.namespace, p.identity.serviceAccount);
    // A list with the same items as last time stands in for the new one, so its encoded set (held
    // by `setOf` per list) is reused.
    const previous = this.published.get(p);
    const lists = new Map<ResourceTypeUrl, readonly TranslatedResource[]>();
    for (const [typeUrl, list] of result.resources) {
      const before = previous?.lists.get(typeUrl);
      lists.set(typeUrl, before !== undefined && sameItems(before, list) ? before : list);
    }
    const sets = [...lists].map(([typeUrl, list]) => this.setOf(typeUrl, list));
    const withKeys = p.channel === 'mtls';
    // Secret messages are memoised per certificate and bundle (secrets.ts), so while neither
    // rotated the encoded list has the same items and the proxy keeps its interned set.
    const secrets = this.secrets.build(result.secrets, p.identity.spiffeId, withKeys).map((s) => this.o.encoder.encode(TypeUrl.Secret, s.name, s.message));
    const secretSet = previous && sameItems(previous.secrets, secrets) ? previous.secretSet : this.interner.intern(TypeUrl.Secret, secrets);
    this.published.set(p, { lists, reads: result.reads, secrets, secretSet });
    const all = [...sets, secretSet];
    const cert = withKeys ? this.o.certificates.certificate(p.identity.spiffeId) : undefined;
    p.certificate = cert && { spiffeId: cert.spiffeId, notAfter: cert.notAfter, serial: cert.serial };
    p.snapshot = snapshotOf(all, this.policyLoad?.label ?? '');
    p.label = this.policyLoad?.label;
    p.diagnostics = result.diagnostics;
    p.configBytes = sets.reduce((n, set) => n + bytesOf(set), 0);
    this.cacheOf(p).set(p.key, p.snapshot);
    this.o.hooks?.onPublish?.(p);
  }

  /** The encoded set of a translated list; a list shared by many proxies (a scope's endpoints,
   * say) is encoded and interned once. */
  private setOf(typeUrl: ResourceTypeUrl, list: readonly TranslatedResource[]): ResourceSet {
    let set = this.setsByList.get(list);
    if (!set) {
      set = this.interner.intern(typeUrl, list.map((r) => this.o.encoder.encode(typeUrl, r.name, r.message)));
      this.setsByList.set(list, set);
    }
    return set;
  }

  /** A gateway listener certificate was loaded or changed: republish the gateway proxies. */
  private gatewayCertificatesChanged(): void {
    if (!this.model) return;
    for (const p of this.proxies.all()) if (p.description?.gateway !== undefined) this.publish(p, this.model);
  }

  /** A certificate or the bundle rotated: republish the proxies that carry it. */
  private rotated(spiffeId: string | undefined): void {
    if (!this.model) return;
    for (const p of this.proxies.all()) {
      if (spiffeId === undefined || (p.channel === 'mtls' && p.identity.spiffeId === spiffeId)) this.publish(p, this.model);
    }
  }

  /** What the proxy's published configuration was derived from (its scope), for the admin API. */
  readsOf(p: ConnectedProxy): TranslationReads | undefined {
    return this.published.get(p)?.reads;
  }

  /** Where a resource came from in policy, for NACK reports. */
  sourceOf(p: ConnectedProxy, typeUrl: ResourceTypeUrl, name: string): string | undefined {
    const list = this.published.get(p)?.lists.get(typeUrl) ?? [];
    const found = list[lowerBound(list, name)];
    const source = found?.name === name ? found.source : undefined;
    return source && `${source.file}:${source.line}:${source.col}`;
  }
}

/** Policy warnings logged per accepted load; the rest are counted (all are in the admin API). */
const LOGGED_WARNINGS = 20;

interface Published {
  readonly lists: ReadonlyMap<ResourceTypeUrl, readonly TranslatedResource[]>;
  readonly reads: TranslationReads;
  /** The encoded secrets, in the order built, and their interned set. */
  readonly secrets: readonly EncodedResource[];
  readonly secretSet: ResourceSet;
}

/** Same items in the same order (translation returns unchanged resources as the same objects, the
 * encoder unchanged messages as the same encodings). */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const setBytes = new WeakMap<ResourceSet, number>();
function bytesOf(set: ResourceSet): number {
  let n = setBytes.get(set);
  if (n === undefined) {
    n = 0;
    for (const r of set) n += r.any.length;
    setBytes.set(set, n);
  }
  return n;
}

/**
 * The keys the registry source reported changed since the registry of the current model, so
 * the model diff compares those instead of every service. Usable only for exactly the chain it
 * saw: from the registry it restarted at to the last one reported.
 */
class RegistryTrail {
  private from?: ServiceRegistry;
  private to?: ServiceRegistry;
  private readonly keys = new Set<string>();

  restart(registry: ServiceRegistry): void {
    this.from = this.to = registry;
    this.keys.clear();
  }

  note(change: RegistryChange): void {
    for (const key of change.changed) this.keys.add(key);
    this.to = change.registry;
  }

  keysBetween(from: ServiceRegistry, to: ServiceRegistry): ReadonlySet<string> | undefined {
    return this.from === from && this.to === to ? this.keys : undefined;
  }
}
