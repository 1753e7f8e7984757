import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageType } from '../../proto/index.js';
import { TypeUrl, messageNameOf } from '../../proto/type-urls.js';
import type { MeshModel, ProxyDescription, Service, ServiceRegistry } from '../../src/model/index.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { byText } from '../../src/common/index.js';
import { loadCase } from './fixture.js';
import { baseModel, pick, rng } from './random-mesh.js';

const dir = path.resolve(import.meta.dirname, '../../testdata/translate');
const load = (name: string) => loadCase(path.join(dir, `${name}.in.yaml`));

function withService(model: MeshModel, service: Service): MeshModel {
  const services = new Map(model.registry.services);
  services.set(service.key, service);
  return { ...model, registry: { version: 'v2', services } };
}

const byName = (r: ReturnType<typeof translate>, type: string, name: string) =>
  r.resources.get(type as never)!.find((x) => x.name === name)?.message;

describe('translation cache', () => {
  it('frees the slots of proxies and services that are gone (forget)', () => {
    const { model, proxy } = load('bookinfo');
    const cache = new TranslationCache();
    translate({ model, proxy, cache });
    const empty = cache.size;
    const other = { ...proxy, id: 'productpage-2' };
    translate({ model, proxy: other, cache });
    expect(cache.size).toBeGreaterThan(empty);
    cache.forget({ proxyIds: [other.id] });
    expect(cache.size).toBe(empty);
    const gone = 'reviews.default';
    const services = new Map(model.registry.services);
    services.delete(gone);
    cache.forget({ serviceKeys: new Set([gone]) });
    const slots = () => { const kept: string[] = []; cache.prune((s) => { kept.push(s); return true; }); return kept; };
    expect(slots().filter((s) => s.split('|').includes(gone))).toEqual([]);
    // What is left still serves: the next translation rebuilds what was freed, and equals a fresh one.
    const next = { ...model, registry: { version: 'v2', services } };
    const fresh = translate({ model: next, proxy, cache: new TranslationCache() });
    expect(JSON.stringify([...translate({ model: next, proxy, cache }).resources])).toBe(JSON.stringify([...fresh.resources]));
  });

  it('returns the same cluster and endpoints objects to two proxies that reach the same service', () => {
    const { model, proxy } = load('bookinfo');
    const cache = new TranslationCache();
    const a = translate({ model, proxy, cache });
    const b = translate({ model, proxy: { ...proxy, id: 'productpage-2' }, cache });
    const name = 'outbound|9080|v2|reviews.default.svc.cluster.local';
    expect(byName(b, TypeUrl.Cluster, name)).toBe(byName(a, TypeUrl.Cluster, name));
    expect(byName(b, TypeUrl.ClusterLoadAssignment, name)).toBe(byName(a, TypeUrl.ClusterLoadAssignment, name));
    expect(byName(b, TypeUrl.RouteConfiguration, 'outbound|9080')).toBe(byName(a, TypeUrl.RouteConfiguration, 'outbound|9080'));
  });

  it('keeps unchanged services identical and rebuilds only the changed one across model versions', () => {
    const { model, proxy } = load('bookinfo');
    const cache = new TranslationCache();
    const before = translate({ model, proxy, cache });
    const reviews = model.registry.services.get('reviews.default')!;
    const next = withService(model, { ...reviews, endpoints: [...reviews.endpoints, { address: '10.0.1.9', labels: { version: 'v1' }, health: 'healthy' }] });
    const after = translate({ model: next, proxy, cache });
    const ratings = 'outbound|9090||ratings.default.svc.cluster.local';
    expect(byName(after, TypeUrl.ClusterLoadAssignment, ratings)).toBe(byName(before, TypeUrl.ClusterLoadAssignment, ratings));
    const v1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';
    expect(byName(after, TypeUrl.ClusterLoadAssignment, v1)).not.toBe(byName(before, TypeUrl.ClusterLoadAssignment, v1));
    expect(JSON.stringify(byName(after, TypeUrl.ClusterLoadAssignment, v1))).toContain('10.0.1.9');
    // Clusters do not read endpoints: an endpoint change leaves them (and Envoy's warm cluster) alone.
    expect(byName(after, TypeUrl.Cluster, v1)).toBe(byName(before, TypeUrl.Cluster, v1));
  });

  it('returns the whole previous result when nothing the proxy depends on changed', () => {
    const { model, proxy } = load('bookinfo');
    const cache = new TranslationCache();
    const first = translate({ model, proxy, cache });
    const hidden = model.registry.services.get('hidden.other')!;
    const next = withService(model, { ...hidden, endpoints: [] });
    expect(translate({ model: next, proxy, cache })).toBe(first);
  });
});

describe('shared cache never hands one proxy another proxy\'s inbound side (issue 11 #1)', () => {
  const model = baseModel();
  const reviews = (version: string, interception: 'iptables' | 'explicit'): ProxyDescription => ({
    id: `reviews-${version}-${interception}`, kind: 'envoy', namespace: 'default', serviceAccount: 'reviews',
    identity: 'spiffe://cluster.local/ns/default/sa/reviews', labels: { app: 'reviews', version }, ips: ['127.0.0.2'],
    interception, services: ['reviews.default'],
  });
  const inboundNames = (p: ProxyDescription, cache: TranslationCache) =>
    translate({ model, proxy: p, cache }).resources.get(TypeUrl.Listener)!.map((l) => l.name).filter((n) => n.startsWith('inbound|'));

  it('gives each explicit reviews replica its own inbound listener', () => {
    const cache = new TranslationCache();
    expect(['v1', 'v2', 'v3'].map((v) => inboundNames(reviews(v, 'explicit'), cache))).toEqual([
      ['inbound|127.0.0.2:19081'], ['inbound|127.0.0.2:19082'], ['inbound|127.0.0.2:19083']]);
  });

  it('gives an iptables proxy inbound|15006 after an explicit one, and an explicit one no 15006 after an iptables one', () => {
    const cache = new TranslationCache();
    expect(inboundNames(reviews('v1', 'explicit'), cache)).toEqual(['inbound|127.0.0.2:19081']);
    expect(inboundNames(reviews('v1', 'iptables'), cache)).toEqual(['inbound|15006']);
    expect(inboundNames(reviews('v2', 'explicit'), cache)).toEqual(['inbound|127.0.0.2:19082']);
  });

  it('still shares one inbound part between iptables replicas that differ only in IP and node id', () => {
    const r = model.registry.services.get('reviews.default')!;
    const replicated = withService(model, { ...r, endpoints: [...r.endpoints, { address: '10.0.1.4', labels: { app: 'reviews', version: 'v1' }, health: 'healthy' }] });
    const cache = new TranslationCache();
    const a = translate({ model: replicated, proxy: { ...reviews('v1', 'iptables'), ips: ['10.0.1.1'] }, cache });
    const b = translate({ model: replicated, proxy: { ...reviews('v1', 'iptables'), id: 'reviews-v1-b', ips: ['10.0.1.4'] }, cache });
    expect(b.ir.inbound).toBe(a.ir.inbound);
  });
});

describe('generated resources', () => {
  for (const name of ['bookinfo', 'explicit-collision', 'permissive', 'grpc-proxyless']) {
    it(`${name}: every resource encodes with Envoy's protos and decodes to the same names`, () => {
      const { model, proxy } = load(name);
      const result = translate({ model, proxy, cache: new TranslationCache() });
      for (const [typeUrl, list] of result.resources) {
        const type = messageType(messageNameOf(typeUrl));
        const names = list.map((r) => r.name);
        expect(new Set(names).size).toBe(names.length);
        expect([...names].sort()).toEqual(names);
        for (const r of list) {
          const bytes = type.encode(type.fromObject(r.message)).finish();
          const back = type.toObject(type.decode(bytes)) as { name?: string; cluster_name?: string };
          expect(back.name ?? back.cluster_name).toBe(r.name);
        }
      }
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    });
  }
});

describe('namespace index carried across registries (succeed)', () => {
  const service = (name: string, namespace: string, tag = 0): Service =>
    ({ key: `${name}.${namespace}`, name, namespace, hostname: `${name}.${namespace}.svc.cluster.local`, serviceAccount: name, ports: [], endpoints: [], addresses: [`10.0.${tag >> 8}.${tag & 255}`] });
  const registryOf = (services: Iterable<Service>, version: string): ServiceRegistry =>
    ({ version, services: new Map([...services].sort(byText((s) => s.key)).map((s) => [s.key, s])) });
  const grouped = (index: ReadonlyMap<string, readonly Service[]>) => Object.fromEntries(index);

  // Each registry keeps its predecessor's order for the services both hold: key order, as the
  // real sources publish, or a copied Map's order (shuffled to start, adds at the end), as the
  // benchmarks' registries do.
  it.each(['key order', 'copied Map order'] as const)('equals grouping from scratch, in order, after random replaces, adds, removes and namespace moves (%s); shares the lists it did not touch', (order) => {
    const r = rng(13);
    const names = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const namespaces = ['a', 'b', 'c', 'd'];
    const first = names.slice(0, 15).map((n) => service(n, pick(r, namespaces))).sort(() => r() - 0.5);
    let registry: ServiceRegistry = order === 'key order' ? registryOf(first, 'v0') : { version: 'v0', services: new Map(first.map((s) => [s.key, s])) };
    const keyOf = (name: string) => [...registry.services.keys()].find((k) => k.startsWith(`${name}.`));
    const cache = new TranslationCache();
    cache.byNamespace(registry);
    let carriedSteps = 0;
    for (let step = 1; step <= 300; step++) {
      const services = new Map(registry.services);
      const picked = new Set<string>();
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
        // One operation per service and step: a delete and re-add of one key would move it in a
        // copied Map, which a registry keeping its predecessor's order never does.
        const name = pick(r, names);
        if (picked.has(name)) continue;
        picked.add(name);
        const key = keyOf(name);
        const had = key === undefined ? undefined : services.get(key);
        const op = r();
        if (had && op < 0.7) services.set(had.key, service(name, had.namespace, step));
        else if (had && op < 0.85) services.delete(had.key);
        else if (had) { services.delete(had.key); const moved = service(name, pick(r, namespaces.filter((ns) => ns !== had.namespace)), step); services.set(moved.key, moved); }
        else { const added = service(name, pick(r, namespaces), step); services.set(added.key, added); }
      }
      const next: ServiceRegistry = order === 'key order' ? registryOf(services.values(), `v${step}`) : { version: `v${step}`, services };
      const changed = new Set([...registry.services.keys(), ...next.services.keys()].filter((k) => registry.services.get(k) !== next.services.get(k)));
      const replacedOnly = [...changed].every((k) => registry.services.get(k)?.namespace !== undefined && registry.services.get(k)?.namespace === next.services.get(k)?.namespace);
      const before = cache.byNamespace(registry);
      cache.succeed(registry, next, changed);
      const carried = cache.byNamespace(next);
      // Entries in order, lists in order: exactly what grouping from scratch gives.
      expect(grouped(carried), `step ${step}`).toEqual(grouped(new TranslationCache().byNamespace(next)));
      if (replacedOnly) {
        carriedSteps++;
        const touched = new Set([...changed].map((k) => next.services.get(k)!.namespace));
        for (const [ns, list] of carried) if (!touched.has(ns)) expect(list, `step ${step} ${ns}`).toBe(before.get(ns));
      }
      registry = next;
    }
    expect(carriedSteps).toBeGreaterThan(100);
  });

  it('does nothing for a registry never indexed, and keeps an index already built', () => {
    const a = registryOf([service('x', 'a'), service('y', 'b')], 'v1');
    const b = registryOf([service('x', 'a'), service('z', 'b')], 'v2');
    const cache = new TranslationCache();
    cache.succeed(a, b, new Set(['y.b', 'z.b']));
    expect(grouped(cache.byNamespace(b))).toEqual(grouped(new TranslationCache().byNamespace(b)));
    const built = cache.byNamespace(b);
    cache.byNamespace(a);
    cache.succeed(a, b, new Set(['y.b', 'z.b']));
    expect(cache.byNamespace(b)).toBe(built);
  });
});
