/**
 * The namespace mesh (docs/e2e.md "The namespace mesh"): workloads in their own network
 * namespaces on a bridge, each with its application, and — for mesh workloads — an Envoy sidecar
 * bootstrapped by `weft bootstrap`, running as UID 1337 behind the iptables rules of
 * `weft inject`'s init container (iptables mode) or with explicit listeners (the VM path).
 * weft runs in this process on host loopback; sidecars reach it through a Unix-socket relay.
 *
 * Not shareable between test files: a file (or describe) gets its own through `useNetnsMesh` (use.ts).
 */
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { main } from '../../../src/cli/main.js';
import { DEFAULT_OPTIONS, initContainer } from '../../../src/inject/index.js';
import type { RunningWeft } from '../../../src/cli/run.js';
import { envoyBin } from '../env.js';
import { EnvoyLog, type EnvoyHandle } from '../health.js';
import { until } from '../http.js';
import { startMeshWeft } from '../mesh.js';
import { Net, inNs } from './net.js';
import { App, PROXY_USER, envoyForProxyUser, pipeAdmin, startEnvoy, stopProcess } from './processes.js';

export interface PortDef { readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: 'http' | 'tcp' | 'grpc' | 'http2' | 'tls' }
export interface ServiceDef { readonly name: string; readonly serviceAccount: string; readonly ports: readonly PortDef[] }

export interface WorkloadDef {
  /** Instance name; also the app's `name` in replies. */
  readonly name: string;
  /** The service (in `default`) this workload is an endpoint of; none for a pure client. */
  readonly service?: string;
  readonly serviceAccount: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** `none`: no sidecar, outside the mesh (not in the registry either); `gateway`: an ingress
   * gateway Envoy of Gateway `gateway` (`weft bootstrap --kind gateway`). Default `iptables`. */
  readonly sidecar?: 'iptables' | 'explicit' | 'none' | 'gateway';
  /** With `sidecar: gateway`: the Gateway (`<namespace>/<name>`) this Envoy serves. */
  readonly gateway?: string;
  readonly delta?: boolean;
  /** Its locality: the registry endpoint's `region`/`zone` and the bootstrap's `--region`/`--zone`. */
  readonly region?: string;
  readonly zone?: string;
  /** More ports the application serves, e.g. a non-mesh server on a mesh port. */
  readonly extraPorts?: readonly { readonly port: number; readonly protocol: 'http' | 'tcp' | 'tls' }[];
}

export interface NetnsMeshOptions {
  readonly services: readonly ServiceDef[];
  readonly workloads: readonly WorkloadDef[];
  readonly policy: Readonly<Record<string, string>>;
  /** Workload certificate lifetime (default 1 h); weft renews at about half of it. */
  readonly svidTtlMs?: number;
  /** Gateway CertificateFiles by `<namespace>/<name>`: copied to `<root>/gateway-certs/<ref>/`,
   * the directory weft is given as `--gateway-certs`. */
  readonly gatewayCerts?: Readonly<Record<string, { readonly certFile: string; readonly keyFile: string }>>;
}

/** One running workload. */
export interface Workload {
  readonly def: WorkloadDef;
  readonly ns: string;
  readonly address: string;
  readonly app: App;
  /** Present for mesh workloads. */
  readonly envoy?: { readonly proc: ChildProcess; readonly handle: EnvoyHandle };
}

export class NetnsMesh {
  readonly workloads = new Map<string, Workload>();
  #relay: net.Server | undefined;

  private constructor(readonly root: string, readonly net: Net, public weft: RunningWeft, readonly svidTtlMs?: number, readonly gatewayCerts?: string) {}

  static async start(o: NetnsMeshOptions): Promise<NetnsMesh> {
    if (!envoyBin) throw new Error('no envoy binary');
    const root = await mkdtemp(path.join(tmpdir(), 'weft-e2e-netns-'));
    await chmod(root, 0o755);
    const n = Net.create();
    const placed = o.workloads.map((def) => ({ def, ...n.workload(def.name) }));
    await mkdir(path.join(root, 'policy'));
    for (const [file, text] of Object.entries(o.policy)) await writeFile(path.join(root, 'policy', file), text);
    await writeFile(path.join(root, 'registry.yaml'), registryYaml(o.services, placed));
    if (o.workloads.some((w) => hasTlsPort(w, o.services))) appCertificate(root);
    const certs = o.gatewayCerts && path.join(root, 'gateway-certs');
    for (const [ref, f] of Object.entries(o.gatewayCerts ?? {})) {
      await mkdir(path.join(certs!, ref), { recursive: true });
      await writeFile(path.join(certs!, ref, 'tls.crt'), await readFile(f.certFile));
      await writeFile(path.join(certs!, ref, 'tls.key'), await readFile(f.keyFile), { mode: 0o600 });
    }
    const mesh = new NetnsMesh(root, n, await startMeshWeft(root, 0, o.svidTtlMs, certs), o.svidTtlMs, certs);
    try {
      await mesh.#startRelay();
      const bin = envoyForProxyUser(envoyBin);
      await Promise.all(placed.map((p) => mesh.#startWorkload(p, o.services, bin)));
      for (const w of mesh.workloads.values()) if (w.envoy) await mesh.converged(w.def.name);
      return mesh;
    } catch (err) {
      await mesh.stop();
      throw err;
    }
  }

  /** `<root>/xds.sock`: every sidecar's xDS connection, relayed byte for byte to weft's xDS port. */
  async #startRelay(): Promise<void> {
    const sock = path.join(this.root, 'xds.sock');
    this.#relay = net.createServer((down) => {
      const up = net.connect(this.weft.cp.xdsPort, '127.0.0.1');
      down.pipe(up).pipe(down);
      const close = () => (down.destroy(), up.destroy());
      down.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.#relay!.listen(sock, resolve));
    await chmod(sock, 0o777);
  }

  async #startWorkload(p: { def: WorkloadDef; ns: string; address: string }, services: readonly ServiceDef[], bin: string): Promise<void> {
    const svc = services.find((s) => s.name === p.def.service);
    const mode = p.def.sidecar ?? 'iptables';
    const tlsFiles = { cert: path.join(this.root, 'app-cert.pem'), key: path.join(this.root, 'app-key.pem') };
    const ports = [...(svc?.ports ?? []).map((x) => ({ port: x.targetPort, protocol: x.protocol })), ...(p.def.extraPorts ?? [])]
      .map((x) => (x.protocol === 'tls' ? { ...x, ...tlsFiles } : x));
    const app = await App.start(p.ns, p.def.name, ports);
    if (mode === 'none') return void this.workloads.set(p.def.name, { ...p, app });
    const dir = await this.#bootstrap(p.def, p.address, mode === 'gateway' ? 'explicit' : mode);
    if (mode === 'iptables') inNs(p.ns, initContainer({ ...DEFAULT_OPTIONS, xdsAddress: `127.0.0.1:${this.weft.cp.xdsPort}` }).command as string[]);
    const log = new EnvoyLog();
    const proc = startEnvoy(p.ns, bin, path.join(dir, 'envoy.json'), (chunk) => log.push(chunk));
    const handle: EnvoyHandle = { nodeId: p.def.name, get: pipeAdmin(path.join(dir, 'admin.sock')), log: () => log.text(), accessLog: () => log.accessLines() };
    this.workloads.set(p.def.name, { ...p, app, envoy: { proc, handle } });
    await until(() => `Envoy ${p.def.name} LIVE; its log:\n${log.text().slice(-4_000)}`, 30_000, async () => {
      if (proc.exitCode !== null) throw new Error(`envoy ${p.def.name} exited with ${proc.exitCode}\n${log.text()}`);
      return (await handle.get('/ready').catch(() => undefined))?.status === 200 ? true : undefined;
    });
  }

  /** `weft bootstrap` output for the workload, with the xDS endpoint and admin moved to Unix sockets. */
  async #bootstrap(def: WorkloadDef, address: string, mode: 'iptables' | 'explicit'): Promise<string> {
    const dir = path.join(this.root, 'nodes', def.name);
    const labels = Object.entries(def.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    const code = await main(['bootstrap', '--node-id', def.name, '--namespace', 'default', '--service-account', def.serviceAccount,
      '--format', 'envoy', '--interception', mode, '--xds-address', `127.0.0.1:${this.weft.cp.xdsPort}`, '--state-dir', path.join(this.root, 'state'),
      '--instance-ips', address, '--out', dir, ...(def.service ? ['--services', `${def.service}.default`] : []),
      ...(labels.length ? ['--labels', labels.join(',')] : []), ...(def.delta ? ['--delta'] : []),
      ...(def.region ? ['--region', def.region] : []), ...(def.zone ? ['--zone', def.zone] : []),
      ...(def.sidecar === 'gateway' ? ['--kind', 'gateway', '--gateway', def.gateway!] : [])]);
    if (code !== 0) throw new Error(`weft bootstrap for ${def.name} exited with ${code}`);
    const file = path.join(dir, 'envoy.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Bootstrap;
    config.admin.address = { pipe: { path: path.join(dir, 'admin.sock') } };
    const xds = config.static_resources.clusters.find((c) => c.name === 'weft-xds')!;
    xds.load_assignment.endpoints[0]!.lb_endpoints[0]!.endpoint.address = { pipe: { path: path.join(this.root, 'xds.sock') } };
    await writeFile(file, JSON.stringify(config, null, 2));
    await chmod(path.dirname(dir), 0o755);
    await chownTree(dir, ['envoy.json', 'cert.pem', 'key.pem', 'ca.pem']);
    return dir;
  }

  /** Resolves once weft reports workload `name` at the current policy version with every type SYNCED. */
  async converged(name: string, previous?: string, ms = 30_000): Promise<string> {
    type Proxy = { policyVersion?: string; types: { status: string }[] };
    let last = '';
    return until(() => `${name} to converge (${last})`, ms, async () => {
      const version = ((await (await fetch(`${this.weft.admin.url}/api/v1/policy`)).json()) as { version: string }).version;
      const res = await fetch(`${this.weft.admin.url}/api/v1/proxies/${encodeURIComponent(name)}`);
      last = res.ok ? await res.text() : `HTTP ${res.status}`;
      const p = res.ok ? (JSON.parse(last) as Proxy) : undefined;
      return version !== previous && p?.policyVersion === version && p.types.length > 0 && p.types.every((t) => t.status === 'SYNCED') ? version : undefined;
    });
  }

  /** Replaces a policy file atomically and waits until every sidecar applied the new version. */
  async edit(file: string, text: string): Promise<void> {
    const before = await this.write(file, text);
    for (const w of this.workloads.values()) if (w.envoy) await this.converged(w.def.name, before);
  }

  /** Replaces a policy file atomically (a temporary file renamed over it) without waiting;
   * resolves with the policy version loaded before. */
  async write(file: string, text: string): Promise<string> {
    const before = ((await (await fetch(`${this.weft.admin.url}/api/v1/policy`)).json()) as { version: string }).version;
    const tmp = path.join(this.root, 'policy', `.${file}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, path.join(this.root, 'policy', file));
    return before;
  }

  /** Stops weft (the sidecars keep serving their last configuration), awaits `whileDown`, then
   * starts weft again on the same root, so the same CA (on a new xDS port: the relay follows). */
  async restartWeft(whileDown?: () => Promise<void>): Promise<void> {
    await this.weft.close();
    await whileDown?.();
    this.weft = await startMeshWeft(this.root, 0, this.svidTtlMs, this.gatewayCerts);
  }

  workload(name: string): Workload {
    const w = this.workloads.get(name);
    if (!w) throw new Error(`no workload ${name}`);
    return w;
  }

  envoys(): EnvoyHandle[] {
    return [...this.workloads.values()].flatMap((w) => (w.envoy ? [w.envoy.handle] : []));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workloads.values()].flatMap((w) => [w.app.stop(), ...(w.envoy ? [stopProcess(w.envoy.proc)] : [])]));
    await new Promise<void>((resolve) => (this.#relay ? this.#relay.close(() => resolve()) : resolve()));
    await this.weft.close().catch(() => undefined);
    this.net.destroy();
    await rm(this.root, { recursive: true, force: true });
  }
}

interface Bootstrap {
  admin: { address: unknown };
  static_resources: { clusters: { name: string; load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: unknown } }[] }[] } }[] };
}

async function chownTree(dir: string, files: readonly string[]): Promise<void> {
  await chown(dir, PROXY_USER, PROXY_USER);
  for (const f of files) await chown(path.join(dir, f), PROXY_USER, PROXY_USER);
}

function hasTlsPort(w: WorkloadDef, services: readonly ServiceDef[]): boolean {
  const ports = [...(services.find((s) => s.name === w.service)?.ports ?? []), ...(w.extraPorts ?? [])];
  return ports.some((p) => p.protocol === 'tls');
}

/** The DNS name in the applications' certificate: a sidecar originating TLS to them checks it. */
export const APP_TLS_NAME = 'secure.example.com';

/** A self-signed certificate for the applications' TLS ports (`<root>/app-cert.pem`, `app-key.pem`),
 * for `APP_TLS_NAME`: it is its own CA, so `<root>/app-cert.pem` is also the CA file of an
 * ExternalService whose TLS the sidecar originates. The mesh routes the applications' own TLS
 * by SNI and never checks it. */
function appCertificate(root: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=netns-app',
    '-days', '1', '-addext', `subjectAltName=DNS:${APP_TLS_NAME}`, '-keyout', path.join(root, 'app-key.pem'), '-out', path.join(root, 'app-cert.pem')], { stdio: 'ignore' });
}

/** The port an explicit-mode sidecar's inbound listener takes for a service port. */
export const explicitInboundPort = (p: PortDef) => p.targetPort + 1000;

function registryYaml(services: readonly ServiceDef[], placed: readonly { def: WorkloadDef; address: string }[]): string {
  const lines = ['services:'];
  for (const s of services) {
    lines.push(`  - name: ${s.name}`, '    namespace: default', `    serviceAccount: ${s.serviceAccount}`, '    ports:');
    for (const p of s.ports) lines.push(`      - { name: ${p.name}, port: ${p.port}, targetPort: ${p.targetPort}, protocol: ${p.protocol} }`);
    const members = placed.filter((x) => x.def.service === s.name && x.def.sidecar !== 'none' && x.def.sidecar !== 'gateway');
    lines.push(members.length ? '    endpoints:' : '    endpoints: []');
    for (const w of members) {
      const labels = Object.entries(w.def.labels ?? {}).map(([k, v]) => `${k}: ${v}`).join(', ');
      // Explicit mode: the sidecar's inbound listener is the endpoint (<address>:<targetPort + 1000>)
      // and forwards to the application on <address>:<targetPort>.
      const own = w.def.sidecar === 'explicit' ? `, ports: { ${s.ports.map((p) => `${p.name}: ${explicitInboundPort(p)}`).join(', ')} }` : '';
      const locality = `${w.def.region ? `, region: ${w.def.region}` : ''}${w.def.zone ? `, zone: ${w.def.zone}` : ''}`;
      lines.push(`      - { address: ${w.address}${own}, labels: { ${labels} }${locality}, instance: ${w.def.name} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}
