/**
 * Test-only fixture format for translation cases (testdata/translate/<case>.in.yaml): `mesh`,
 * `registry`, `traffic`, `access` and `proxy` sections in the already-resolved policy shape
 * (durations in ms), turned into a MeshModel and ProxyDescription. Policy objects get `source`
 * positions in the fixture file so diagnostics can be checked for them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { DEFAULT_MESH, type MeshModel, type MeshPolicy, type ProxyDescription, type Service, type SourceRef } from '../../src/model/index.js';

type Raw = Record<string, any>;

export function loadCase(file: string): { model: MeshModel; proxy: ProxyDescription } {
  const text = readFileSync(file, 'utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const raw = doc.toJS() as Raw;
  const where = (node: unknown): SourceRef | undefined => {
    const range = (node as Node | undefined)?.range;
    if (!range) return undefined;
    const pos = lc.linePos(range[0]);
    return { file: path.basename(file), line: pos.line, col: pos.col };
  };
  const items = (key: string): unknown[] => {
    const n = doc.get(key, true);
    return isSeq(n) ? n.items : [];
  };
  return buildModel(raw, where, items);
}

export function buildModel(raw: Raw, where: (n: unknown) => SourceRef | undefined = () => undefined,
  items: (key: string) => unknown[] = () => []): { model: MeshModel; proxy: ProxyDescription } {
  const mesh = meshOf(raw.mesh ?? {});
  const services = new Map<string, Service>();
  for (const s of (raw.registry ?? []) as Raw[]) services.set(`${s.name}.${s.namespace}`, serviceOf(s));
  const trafficNodes = items('traffic');
  const traffic = new Map((raw.traffic ?? []).map((t: Raw, i: number) => {
    const node = trafficNodes[i];
    const routeNodes = isMap(node) && isSeq(node.get('routes', true)) ? (node.get('routes', true) as any).items : [];
    return [t.service, {
      service: t.service, loadBalancer: t.loadBalancer ?? 'round-robin',
      routes: (t.routes ?? []).map((r: Raw, ri: number) => withSource({ ...r, backends: r.backends?.map((b: Raw) => ({ service: t.service, weight: 100, ...b })) }, where(routeNodes[ri]))),
      subsets: new Map(Object.entries(t.subsets ?? {})),
      ...pick(t, ['hashKey', 'circuitBreaker', 'outlierDetection']),
      ...withSource({}, where(node)),
    }];
  }));
  const accessNodes = items('access');
  const access = new Map<string, any[]>();
  (raw.access ?? []).forEach((a: Raw, i: number) => {
    const list = access.get(a.service) ?? [];
    list.push(withSource({ ...a, rules: a.rules ?? [] }, where(accessNodes[i])));
    access.set(a.service, list);
  });
  const policy = { version: 'test', mesh, traffic, access, files: [] } as any;
  const registry = { version: 'test', services };
  return { model: { version: 'test/test', policy, registry }, proxy: proxyOf(raw.proxy ?? {}, mesh) };
}

function meshOf(m: Raw): MeshPolicy {
  return {
    ...DEFAULT_MESH,
    ...pick(m, ['trustDomain', 'mtls']),
    defaults: { ...DEFAULT_MESH.defaults, ...(m.defaults ?? {}) },
    observability: { ...DEFAULT_MESH.observability, ...(m.observability ?? {}) },
    reach: new Map(Object.entries(m.reach ?? {})),
  };
}

export function serviceOf(s: Raw): Service {
  return {
    key: `${s.name}.${s.namespace}`, name: s.name, namespace: s.namespace,
    hostname: `${s.name}.${s.namespace}.svc.cluster.local`, serviceAccount: s.serviceAccount ?? s.name,
    ports: (s.ports ?? []).map((p: Raw) => ({ name: p.name ?? `p${p.port}`, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'http' })),
    ...(s.addresses ? { addresses: s.addresses } : {}),
    endpoints: (s.endpoints ?? []).map((e: Raw) => ({ labels: {}, health: 'healthy', ...e })),
  };
}

function proxyOf(p: Raw, mesh: MeshPolicy): ProxyDescription {
  const namespace = p.namespace ?? 'default';
  const serviceAccount = p.serviceAccount ?? 'default';
  return {
    id: p.id ?? 'proxy-1', kind: p.kind ?? 'envoy', namespace, serviceAccount,
    identity: `spiffe://${mesh.trustDomain}/ns/${namespace}/sa/${serviceAccount}`,
    labels: p.labels ?? {}, ips: p.ips ?? [], interception: p.interception ?? 'iptables', services: p.services ?? [],
    ...pick(p, ['serverListenerTemplate', 'inboundForward']),
  };
}

function pick(o: Raw, keys: string[]): Raw {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

function withSource<T extends object>(o: T, source: SourceRef | undefined): T {
  return source ? { ...o, source } : o;
}
