/**
 * A registry source the benchmark drives in memory, through the same `RegistrySource` interface
 * the static and Kubernetes sources implement (a Kubernetes EndpointSlice event arrives the same
 * way: a new `ServiceRegistry` and the keys that changed). Unchanged services keep their object
 * identity across versions, as the interface requires.
 */
import type { Endpoint, RegistryChange, RegistrySource, Service, ServiceRegistry } from '../src/discovery/index.js';

export class MemoryRegistry implements RegistrySource {
  readonly kind = 'static' as const;
  synced = false;
  private registry: ServiceRegistry;
  private version = 0;
  private readonly listeners = new Set<(c: RegistryChange) => void>();

  constructor(services: readonly Service[]) {
    this.registry = { version: 'r0', services: new Map(services.map((s) => [s.key, s])) };
  }

  current(): ServiceRegistry {
    return this.registry;
  }

  async start(): Promise<void> {
    this.synced = true;
  }

  async stop(): Promise<void> {}

  onChange(listener: (c: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onError(): () => void {
    return () => undefined;
  }

  /** Moves each named service's endpoint at address `from` to address `to`; one new version. */
  moveEndpoints(changes: readonly { key: string; from: string; to: string }[]): void {
    const services = new Map(this.registry.services);
    const changed = new Set<string>();
    for (const c of changes) {
      const s = services.get(c.key);
      if (!s?.endpoints.some((e) => e.address === c.from)) throw new Error(`no endpoint ${c.from} in ${c.key}`);
      const endpoints: Endpoint[] = s.endpoints.map((e) => (e.address === c.from ? { ...e, address: c.to } : e));
      endpoints.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
      services.set(c.key, Object.freeze({ ...s, endpoints }));
      changed.add(c.key);
    }
    this.registry = { version: `r${++this.version}`, services };
    const change: RegistryChange = { registry: this.registry, changed };
    for (const l of this.listeners) l(change);
  }
}
