/**
 * The bundled example (examples/bookinfo: every service on 9080, workloads on loopback addresses)
 * through the real registry and policy loaders, one sidecar per registry endpoint, in both
 * interception modes: each sidecar gets only its own inbound side, on the port callers find in
 * EDS, and none of its listeners collides with another or is its own forwarding target (issue 11
 * #1, #2, #3). Sockets are read from the generated Envoy messages, not from the IR.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { EMPTY_REGISTRY, nextRegistry } from '../../src/discovery/registry-build.js';
import { RegistryFileParser } from '../../src/discovery/static-parse.js';
import type { MeshModel, ProxyDescription } from '../../src/model/index.js';
import { loadPolicyDir } from '../../src/policy/index.js';
import { TranslationCache, translate, type TranslateResult } from '../../src/translate/index.js';

const root = path.resolve(import.meta.dirname, '../../examples/bookinfo');
type M = Record<string, any>;
interface Sock { address: string; port: number }
const clash = (a: Sock, b: Sock) => a.port === b.port && (a.address === b.address || [a.address, b.address].some((x) => x === '0.0.0.0' || x === '::'));
const sock = (m: M): Sock => ({ address: m.socket_address.address, port: m.socket_address.port_value });
const list = (r: TranslateResult, t: string) => (r.resources.get(t as never) ?? []).map((x) => x.message as M);

let model: MeshModel;
const sidecars: { proxy: ProxyDescription; address: string; port: number }[] = [];

beforeAll(async () => {
  const parsed = new RegistryFileParser().parse(readFileSync(path.join(root, 'registry.yaml'), 'utf8'), 'registry.yaml');
  expect(parsed.diagnostics).toEqual([]);
  const registry = nextRegistry(EMPTY_REGISTRY, parsed.drafts, 'cluster.local')!.registry;
  const policy = await loadPolicyDir(path.join(root, 'policy'));
  if (!policy.ok) throw new Error(JSON.stringify(policy.diagnostics));
  model = { version: 'example', registry, policy: policy.policy };
  for (const s of registry.services.values()) {
    for (const e of s.endpoints) {
      sidecars.push({ address: e.address, port: e.ports?.http ?? s.ports[0]!.targetPort, proxy: {
        id: e.instance ?? `${s.name}-${e.address}`, kind: 'envoy', namespace: s.namespace, serviceAccount: s.serviceAccount,
        identity: `spiffe://cluster.local/ns/${s.namespace}/sa/${s.serviceAccount}`, labels: e.labels, ips: [e.address],
        interception: 'explicit', services: [s.key],
      } });
    }
  }
});

/** Where the caller's EDS sends connections for one workload of a service. */
function edsSocket(r: TranslateResult, service: string, address: string, port: number): Sock | undefined {
  const cla = list(r, TypeUrl.ClusterLoadAssignment).find((c) => c.cluster_name === `outbound|9080||${service}.default.svc.cluster.local`);
  const eps = (cla?.endpoints ?? []).flatMap((l: M) => l.lb_endpoints).map((e: M) => sock(e.endpoint.address));
  return eps.find((s: Sock) => s.address === address && s.port === port);
}

function problems(r: TranslateResult): string[] {
  return r.diagnostics.filter((d) => d.severity === 'error' || ['WEFT4101', 'WEFT4109', 'WEFT4110', 'WEFT4113', 'WEFT4114'].includes(d.code)).map((d) => `${d.code} ${d.message}`);
}

describe('bundled example, explicit interception (one shared cache, as in production)', () => {
  it('gives every sidecar exactly its own inbound listener, at the socket its callers dial', () => {
    const cache = new TranslationCache();
    const results = sidecars.map(({ proxy }) => translate({ model, proxy, cache }));
    sidecars.forEach(({ proxy, address, port }, i) => {
      const r = results[i]!;
      expect(problems(r), proxy.id).toEqual([]);
      const inbound = list(r, TypeUrl.Listener).filter((l) => l.traffic_direction === 'INBOUND');
      expect(inbound.map((l) => sock(l.address)), proxy.id).toEqual([{ address, port }]);
      // Its callers' endpoints dial that socket (a sidecar its own AccessPolicy refuses does not
      // receive its own service, so look in every sidecar's configuration).
      expect(results.some((c) => edsSocket(c, proxy.services[0]!.split('.')[0]!, address, port)), proxy.id).toBe(true);
    });
  });

  it('binds no socket twice and never forwards into one of its own listeners (no loop)', () => {
    const cache = new TranslationCache();
    for (const { proxy } of sidecars) {
      const r = translate({ model, proxy, cache });
      const bound = [{ address: '127.0.0.1', port: 15000 }, ...list(r, TypeUrl.Listener).filter((l) => l.bind_to_port?.value !== false).map((l) => sock(l.address))];
      bound.forEach((a, i) => bound.slice(i + 1).forEach((b) => expect(clash(a, b), `${proxy.id}: ${JSON.stringify([a, b])}`).toBe(false)));
      const targets = list(r, TypeUrl.Cluster).filter((c) => c.name.startsWith('inbound|')).map((c) => sock(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address));
      expect(targets.length, proxy.id).toBe(1);
      for (const t of targets) for (const b of bound) expect(clash(t, b), `${proxy.id} forwards to ${JSON.stringify(t)}, its own ${JSON.stringify(b)}`).toBe(false);
    }
  });
});

describe('bundled example, iptables interception', () => {
  it('matches each sidecar\'s inbound chain on the port its callers dial and never on a sidecar port', () => {
    const cache = new TranslationCache();
    for (const { proxy, port } of sidecars) {
      const r = translate({ model, proxy: { ...proxy, interception: 'iptables' }, cache });
      expect(problems(r), proxy.id).toEqual([]);
      const l = list(r, TypeUrl.Listener).find((x) => x.name === 'inbound|15006')!;
      const ports = [...new Set(l.filter_chains.map((c: M) => c.filter_chain_match.destination_port.value))];
      expect(ports, proxy.id).toEqual([port]);
      expect([15000, 15001, 15006, 15090]).not.toContain(port);
    }
  });
});
