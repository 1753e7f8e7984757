import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageType } from '../../proto/index.js';
import { TypeUrl, messageNameOf } from '../../proto/type-urls.js';
import type { MeshModel, ProxyDescription, Service } from '../../src/model/index.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';
import { baseModel } from './random-mesh.js';

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
    // The scope read the same services: the same reads object, so the dependency index is left alone.
    expect(after.reads.scope).toBe(before.reads.scope);
    const gone = new Map(next.registry.services);
    gone.delete('ratings.default');
    expect(translate({ model: { ...next, registry: { version: 'v3', services: gone } }, proxy, cache }).reads.scope).not.toBe(before.reads.scope);
  });

  it('returns the whole previous result when nothing the proxy depends on changed', () => {
    const { model, proxy } = load('bookinfo');
    const cache = new TranslationCache();
    const first = translate({ model, proxy, cache });
    const hidden = model.registry.services.get('hidden.other')!;
    const next = withService(model, { ...hidden, endpoints: [] });
    expect(translate({ model: next, proxy, cache })).toBe(first);
  });

  it('keeps the newest of equal inputs, so a later call with it matches by identity without walking it', () => {
    let reads = 0;
    // A plain object whose one field counts its reads: `sameValue` reads it only when it walks.
    const counted = () => Object.defineProperty({}, 'x', { enumerable: true, get: () => (reads++, 1) });
    const cache = new TranslationCache();
    const value = cache.memo('slot', counted(), wrap);
    const equal = counted();
    expect(cache.memo('slot', equal, wrap)).toBe(value);
    expect(reads).toBeGreaterThan(0);
    reads = 0;
    expect(cache.memo('slot', equal, wrap)).toBe(value);
    expect(reads).toBe(0);
    expect(cache.memo('slot', { x: 2 }, wrap)).not.toBe(value);
  });
});

const wrap = (input: object) => ({ input });

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
