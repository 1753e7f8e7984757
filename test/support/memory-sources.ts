/**
 * In-memory policy and registry sources for driving a real `Reconciler` by hand (the incremental
 * test, bench/reconcile.ts): each publish goes through the same interfaces the file, git and
 * Kubernetes sources use, and the registry reports exactly the keys that differ, as real sources do.
 */
import type { CertificateSource, PolicySource } from '../../src/controlplane/index.js';
import type { RegistryChange, RegistrySource, ServiceRegistry } from '../../src/discovery/index.js';
import type { Diagnostic, PolicySet } from '../../src/policy/index.js';

export class MemoryRegistrySource implements RegistrySource {
  readonly kind = 'static' as const;
  readonly synced = true;
  private readonly listeners: ((c: RegistryChange) => void)[] = [];
  constructor(private registry: ServiceRegistry) {}
  current() { return this.registry; }
  async start() {}
  async stop() {}
  onChange(l: (c: RegistryChange) => void) { this.listeners.push(l); return () => undefined; }
  onError(_l: (d: readonly Diagnostic[]) => void) { return () => undefined; }

  /** Publishes `registry` with the keys whose service differs from the last one: `changed` when
   * the caller knows them (a benchmark, whose clock must not time this source's own diff), else
   * found by comparing every key. */
  set(registry: ServiceRegistry, changed?: ReadonlySet<string>): void {
    const before = this.registry.services;
    changed ??= new Set([...registry.services.keys(), ...before.keys()].filter((k) => before.get(k) !== registry.services.get(k)));
    this.registry = registry;
    for (const l of this.listeners) l({ registry, changed });
  }
}

/** A policy source whose loads return the set last handed to `set` (a change fires the watch). */
export class MemoryPolicySource {
  private listener?: () => void;
  constructor(public policy: PolicySet) {}
  async load() { return { ok: true as const, load: { policy: this.policy, label: this.policy.version, warnings: [] } }; }
  watch(l: () => void) { this.listener = l; }
  stop() {}
  set(policy: PolicySet): void { this.policy = policy; this.listener?.(); }
  /** As the reconciler's `policy` option (it reads only load/watch/stop). */
  get asSource(): PolicySource { return this as unknown as PolicySource; }
}

/** Certificates for plaintext proxies only: there are none. */
export const NO_CERTIFICATES: CertificateSource = { certificate: () => undefined, bundle: () => ({ pems: [], sequence: 1 }), onRotate: () => undefined, release: () => undefined };
