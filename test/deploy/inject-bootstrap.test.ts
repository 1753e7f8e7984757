/**
 * What an injected pod's Envoy would load: the bootstrap from the annotation with the sidecar's
 * `--config-yaml` merged over it (as Envoy merges it, after Kubernetes expanded `$(VAR)`s) must
 * satisfy Envoy's Bootstrap proto and validate rules, and every path in it must resolve to a
 * volume the sidecar mounts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkResource } from '../../proto/validate.js';
import { BOOTSTRAP_ANNOTATION, SIDECAR_NAME } from '../../src/inject/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../testdata/inject');

interface Container { name: string; args?: string[]; securityContext?: { runAsUser?: number }; env?: { name: string }[]; volumeMounts?: { name: string; mountPath: string }[] }
interface PodSpec { serviceAccountName?: string; containers: Container[]; initContainers?: Container[]; volumes: { name: string; secret?: { secretName: string }; downwardAPI?: { items: { path: string; fieldRef: { fieldPath: string } }[] } }[] }
interface Injected { label: string; annotations: Record<string, string>; spec: PodSpec }

function injectedWorkloads(): Injected[] {
  const out: Injected[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.out.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')) as unknown as { toJS(): Record<string, any> | null }[]) {
      const v = doc.toJS();
      const pod = v?.kind === 'Pod' ? v : v?.kind === 'CronJob' ? v.spec.jobTemplate.spec.template : v?.spec?.template;
      const spec = pod?.spec;
      if (!spec || !sidecarOf(spec)) continue;
      out.push({ label: `${f} ${v!.kind}/${v!.metadata.name}`, annotations: pod.metadata.annotations, spec });
    }
  }
  return out;
}

/** The proxy: a native sidecar (init container) or, in the old layout, a regular container. */
function sidecarOf(spec: PodSpec): Container | undefined {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((c) => c.name === SIDECAR_NAME);
}

/** Token identity: `weft agent` writes where the proxy reads, from files its mounts provide. */
function checkAgent(w: Injected, certDir: string): void {
  const agent = w.spec.initContainers!.find((c) => c.name === 'weft-agent')!;
  const arg = (flag: string) => agent.args![agent.args!.indexOf(flag) + 1]!;
  const mounted = (file: string) => agent.volumeMounts!.some((m) => file.startsWith(`${m.mountPath}/`));
  expect(arg('--out')).toBe(certDir);
  expect(agent.volumeMounts!.find((m) => m.mountPath === certDir)?.name).toBe('weft-certs');
  for (const flag of ['--token-file', '--ca-file']) expect(mounted(arg(flag)), flag).toBe(true);
  const token = w.spec.volumes.find((v) => v.name === 'weft-token') as unknown as { projected: { sources: { serviceAccountToken: { audience: string; path: string } }[] } };
  expect(token.projected.sources[0]!.serviceAccountToken.audience).toBe('weft');
  const bootVolume = w.spec.volumes.find((v) => v.downwardAPI)!;
  expect(bootVolume.downwardAPI!.items.map((i) => i.path)).toContain(path.basename(arg('--ca-file')));
  const names = w.spec.initContainers!.map((c) => c.name);
  expect(names.indexOf('weft-agent')).toBeLessThan(names.indexOf(SIDECAR_NAME) < 0 ? Infinity : names.indexOf(SIDECAR_NAME));
  expect(names.indexOf('weft-agent')).toBeGreaterThan(names.indexOf('weft-init'));
}

/** Protobuf message merge as Envoy applies `--config-yaml`: objects merge key by key (maps and
 * sub-messages), everything else is replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (!base || !over || typeof base !== 'object' || typeof over !== 'object' || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

/** Fields of the bootstrap typed google.protobuf.BoolValue (a bare bool in proto3 JSON). */
const BOOL_VALUE_FIELDS = new Set(['use_all_default_tags', 'report_counters_as_deltas']);

/** proto3 JSON → the protobufjs object shape the validator reads (Durations, Struct metadata, BoolValues). */
function fromProto3Json(v: unknown, key = ''): unknown {
  if (BOOL_VALUE_FIELDS.has(key) && typeof v === 'boolean') return { value: v };
  if (typeof v === 'string' && /^\d+(\.\d+)?s$/.test(v)) return { seconds: Math.floor(parseFloat(v)), nanos: 0 };
  if (key === 'metadata') return { fields: structFields(v as Record<string, unknown>) };
  if (Array.isArray(v)) return v.map((x) => fromProto3Json(x));
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromProto3Json(x, k)]));
}

function structFields(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typeof x === 'string' ? { stringValue: x } : { structValue: { fields: structFields(x as Record<string, unknown>) } }]));
}

const POD_ENV: Record<string, string> = { POD_NAME: 'reviews-v1-7d9f8-x2x4q', POD_NAMESPACE: 'default', POD_IP: '10.1.2.3' };

function effectiveBootstrap(w: Injected): Record<string, any> {
  const sidecar = sidecarOf(w.spec)!;
  const args = sidecar.args!;
  const overrideText = args[args.indexOf('--config-yaml') + 1]!.replace(/\$\((\w+)\)/g, (_m, name: string) => {
    expect(sidecar.env?.map((e) => e.name), `${name} is defined in the sidecar's env`).toContain(name);
    return POD_ENV[name]!;
  });
  return merge(JSON.parse(w.annotations[BOOTSTRAP_ANNOTATION]!), JSON.parse(overrideText)) as Record<string, any>;
}

describe('injected sidecar bootstrap', () => {
  const workloads = injectedWorkloads();

  it('finds injected workloads in the golden files', () => expect(workloads.length).toBeGreaterThanOrEqual(4));

  for (const w of workloads) {
    it(`${w.label}: merged bootstrap satisfies Envoy's Bootstrap proto and names the pod`, () => {
      const b = effectiveBootstrap(w);
      expect(checkResource('envoy.config.bootstrap.v3.Bootstrap', fromProto3Json(b) as object)).toEqual([]);
      expect(b.node.id).toBe(`${POD_ENV.POD_NAME}.${POD_ENV.POD_NAMESPACE}`);
      expect(b.node.metadata).toMatchObject({ namespace: 'default', instance_ips: POD_ENV.POD_IP, interception: 'iptables', service_account: w.spec.serviceAccountName ?? 'default' });
    });

    it(`${w.label}: bootstrap and certificate files come from mounted volumes`, () => {
      const sidecar = sidecarOf(w.spec)!;
      const mountOf = (volume: string) => sidecar.volumeMounts!.find((m) => m.name === volume)!.mountPath;
      const configPath = sidecar.args![sidecar.args!.indexOf('-c') + 1]!;
      const bootVolume = w.spec.volumes.find((v) => v.downwardAPI)!;
      expect(configPath).toBe(`${mountOf(bootVolume.name)}/${bootVolume.downwardAPI!.items[0]!.path}`);
      expect(bootVolume.downwardAPI!.items[0]!.fieldRef.fieldPath).toBe(`metadata.annotations['${BOOTSTRAP_ANNOTATION}']`);
      const certVolume = w.spec.volumes.find((v) => v.name === 'weft-certs')!;
      if (certVolume.secret) expect(certVolume.secret.secretName).toBe(`weft-bootstrap-${w.spec.serviceAccountName ?? 'default'}`);
      else checkAgent(w, mountOf(certVolume.name));
      const tls = JSON.stringify(effectiveBootstrap(w).static_resources);
      for (const file of ['cert.pem', 'key.pem', 'ca.pem']) expect(tls).toContain(`"${mountOf(certVolume.name)}/${file}"`);
    });
  }
});
