/**
 * Work follows change, and never misses one: for seeded random sequences of model changes, every
 * proxy whose translation (with a fresh cache) differs between the previous and the next model is
 * among those `Dependents.affected(diffModels(prev, next))` returns. The reconciler re-translates
 * only those, so a miss here would leave a proxy with stale configuration.
 */
import { describe, expect, it } from 'vitest';
import { Dependents } from '../../src/controlplane/dependents.js';
import { diffModels } from '../../src/controlplane/model-diff.js';
import type { ExternalService, MeshModel, ProxyDescription, Service } from '../../src/model/index.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { baseModel, pick, randomChange, randomProxy, rng, type Rand } from '../translate/random-mesh.js';

const output = (model: MeshModel, proxy: ProxyDescription) => {
  const r = translate({ model, proxy, cache: new TranslationCache() });
  return JSON.stringify({ resources: [...r.resources], diagnostics: r.diagnostics });
};

/** Membership changes random-mesh.ts does not make: a service appears or goes away. */
function membershipChange(m: MeshModel, r: Rand): MeshModel {
  const services = new Map(m.registry.services);
  if (r() < 0.5 && services.size > 2) services.delete(pick(r, [...services.keys()]));
  else {
    const ns = pick(r, ['default', 'backend', 'frontend', 'other']);
    const name = `extra${Math.floor(r() * 3)}`;
    const s: Service = { key: `${name}.${ns}`, name, namespace: ns, hostname: `${name}.${ns}.svc.cluster.local`, serviceAccount: name,
      ports: [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'http' }], endpoints: [{ address: '10.7.0.1', labels: {}, health: 'healthy' }] };
    services.set(s.key, s);
  }
  return { ...m, registry: { version: `${m.registry.version}+`, services } };
}

function missedProxies(seed: number, steps: number): string[] {
  const r = rng(seed);
  const proxies = Array.from({ length: 12 }, () => randomProxy(r));
  const cache = new TranslationCache();
  const deps = new Dependents<ProxyDescription>();
  let model = baseModel();
  const track = (m: MeshModel) => {
    for (const p of proxies) deps.track(p, translate({ model: m, proxy: p, cache }).reads, p.namespace, p.serviceAccount);
  };
  track(model);
  const missed: string[] = [];
  for (let i = 0; i < steps; i++) {
    const next = r() < 0.25 ? membershipChange(model, r) : randomChange(model, r);
    const affected = deps.affected(diffModels(model, next));
    for (const p of proxies) {
      if (!affected.has(p) && output(model, p) !== output(next, p)) missed.push(`seed ${seed} step ${i}: ${p.id} (${p.kind}, ${p.interception})`);
    }
    model = next;
    track(model);
  }
  return missed;
}

describe('dependency index (work follows change)', () => {
  it('never leaves out a proxy whose configuration a change alters', () => {
    const missed = [1, 2, 3, 4, 5, 6].flatMap((seed) => missedProxies(seed, 25));
    expect(missed).toEqual([]);
  });

  it('selects only the proxies that read a changed service', () => {
    const model = baseModel();
    const scoped: MeshModel = { ...model, policy: { ...model.policy, mesh: { ...model.policy.mesh, reach: new Map([['frontend', []], ['backend', []]]) } } };
    const cache = new TranslationCache();
    const deps = new Dependents<ProxyDescription>();
    const proxy = (id: string, namespace: string, services: string[]): ProxyDescription => ({ id, kind: 'envoy', namespace, serviceAccount: id,
      identity: `spiffe://cluster.local/ns/${namespace}/sa/${id}`, labels: {}, ips: [], interception: 'iptables', services });
    const web = proxy('web', 'frontend', ['web.frontend']);
    const client = proxy('client', 'backend', []);
    for (const p of [web, client]) deps.track(p, translate({ model: scoped, proxy: p, cache }).reads, p.namespace, p.serviceAccount);
    const web0 = scoped.registry.services.get('web.frontend')!;
    const next: MeshModel = { ...scoped, registry: { version: 'r1', services: new Map(scoped.registry.services).set('web.frontend', { ...web0, endpoints: [] }) } };
    const change = diffModels(scoped, next);
    expect([...change.keys]).toEqual(['web.frontend']);
    expect([...deps.affected(change)].map((p) => p.id)).toEqual(['web']);
    expect(deps.stats).toEqual({ scopes: 2, proxies: 2 });
    deps.untrack(web);
    expect(deps.affected(change).size).toBe(0);
  });

  it('treats a mesh-wide change as touching every proxy, and an equal reload as touching none', () => {
    const model = baseModel();
    expect(diffModels(model, { ...model, policy: { ...model.policy, mesh: { ...model.policy.mesh, mtls: 'permissive' } } }).all).toBe(true);
    const reloaded: MeshModel = { ...model, policy: structuredClone(model.policy) };
    const change = diffModels(model, reloaded);
    expect({ all: change.all, keys: change.keys.size }).toEqual({ all: false, keys: 0 });
  });

  // Every Envoy sidecar reaches every ExternalService, and one just declared is in no scope's reads.
  it('treats an ExternalService declared or changed as touching every proxy, and its AccessPolicy as touching the proxies that read it', () => {
    const model = baseModel();
    const ext: ExternalService = { key: 'api.default', name: 'api', namespace: 'default', hosts: ['api.example.com'], ports: [{ port: 80, protocol: 'http', targetPort: 80 }], resolution: 'dns', addresses: [] };
    const declared: MeshModel = { ...model, policy: { ...model.policy, external: new Map([[ext.key, ext]]) } };
    expect(diffModels(model, declared).all).toBe(true);
    expect(diffModels(declared, { ...declared, policy: { ...declared.policy, external: new Map([[ext.key, { ...ext, hosts: ['api2.example.com'] }]]) } }).all).toBe(true);
    const proxy: ProxyDescription = { ...randomProxy(rng(7)), kind: 'envoy' };
    const deps = new Dependents<ProxyDescription>();
    deps.track(proxy, translate({ model: declared, proxy, cache: new TranslationCache() }).reads, proxy.namespace, proxy.serviceAccount);
    const denied: MeshModel = { ...declared, policy: { ...declared.policy, access: new Map([...declared.policy.access, [ext.key, [{ service: ext.key, action: 'deny', rules: [{}] }]]]) } };
    const change = diffModels(declared, denied);
    expect({ all: change.all, keys: [...change.keys] }).toEqual({ all: false, keys: [ext.key] });
    expect(deps.affected(change).has(proxy)).toBe(true);
  });
});
