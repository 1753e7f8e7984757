/**
 * Pieces of the replica scenario (replicas.test.ts): weft replicas as child processes
 * (`weft serve --kubernetes --ca-secret … --leader-election`, from the sources), and one real Envoy
 * whose xDS cluster has both replicas as endpoints, read through its admin API.
 *
 * The xDS cluster is what a Kubernetes Service gives a proxy: connections go to replicas that
 * are up. Without kube-proxy here, a TCP health check on each endpoint plays that part (a killed
 * replica is taken out of rotation within a second), and the proxy reconnects to the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { until } from '../envoy/http.js';
import { freePort } from '../envoy/upstream.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const TSX = createRequire(import.meta.url).resolve('tsx');

export interface ReplicaOptions {
  readonly identity: string;
  readonly kubeconfig: string;
  readonly policyDir: string;
  readonly stateDir: string;
  readonly namespaces: readonly string[];
  readonly xdsPort: number;
}

/** One `weft serve` process; `admin` is its admin API's URL. */
export class ReplicaProcess {
  private out = '';
  readonly exited: Promise<void>;

  private constructor(readonly identity: string, readonly proc: ChildProcess, readonly xdsPort: number, readonly admin: string) {
    proc.stdout!.on('data', (d: Buffer) => (this.out = (this.out + d.toString()).slice(-8000)));
    proc.stderr!.on('data', (d: Buffer) => (this.out = (this.out + d.toString()).slice(-8000)));
    this.exited = new Promise((r) => proc.once('exit', () => r()));
  }

  static async start(o: ReplicaOptions): Promise<ReplicaProcess> {
    const adminPort = await freePort();
    const args = ['--import', TSX, 'test/cli/weft-entry.ts', 'serve', '--kubernetes', '--kubeconfig', o.kubeconfig, '--namespaces', o.namespaces.join(','),
      '--policy', o.policyDir, '--state-dir', o.stateDir, '--ca-secret', 'weft-system/weft-ca', '--leader-election', '--leader-identity', o.identity,
      '--lease-duration', '3s', '--lease-renew-deadline', '2s', '--lease-retry', '250ms',
      '--xds-host', '127.0.0.1', '--xds-port', String(o.xdsPort), '--admin-port', String(adminPort), '--debounce', '20ms', '--max-debounce', '200ms'];
    const proc = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const r = new ReplicaProcess(o.identity, proc, o.xdsPort, `http://127.0.0.1:${adminPort}`);
    await until(() => `${o.identity} ready\n${r.log()}`, 90_000, async () => {
      if (proc.exitCode !== null) throw new Error(`${o.identity} exited ${proc.exitCode}\n${r.log()}`);
      return (await fetch(`${r.admin}/readyz`).catch(() => undefined))?.ok ? true : undefined;
    });
    return r;
  }

  log(): string {
    return this.out;
  }

  async json<T>(p: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.admin}${p}`, init);
    return { status: res.status, body: (await res.json()) as T };
  }

  async metric(name: string): Promise<number | undefined> {
    const text = await (await fetch(`${this.admin}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  }

  /** Per xDS type, the status and the version ACKed by proxy `id` as this replica reports it. */
  async proxyTypes(id: string): Promise<Map<string, { status: string; ackedVersion?: string }>> {
    const { body } = await this.json<{ proxies: { id: string; types: { type: string; status: string; ackedVersion?: string }[] }[] }>('/api/v1/proxies');
    return new Map((body.proxies.find((x) => x.id === id)?.types ?? []).map((t) => [t.type, t]));
  }

  /** The proxy `id` is connected here with every type SYNCED. */
  async synced(id: string): Promise<boolean> {
    const types = [...(await this.proxyTypes(id)).values()];
    return types.length >= 4 && types.every((t) => t.status === 'SYNCED');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}

/** Rewrites the bootstrap's xDS cluster to the given replicas' ports, each health-checked over TCP. */
export async function pointAtReplicas(bootFile: string, ports: readonly number[]): Promise<void> {
  type Cluster = Record<string, unknown> & { name: string };
  const config = JSON.parse(await readFile(bootFile, 'utf8')) as { admin: { address: { socket_address: { port_value: number } } }; static_resources: { clusters: Cluster[] } };
  config.admin.address.socket_address.port_value = 0;
  const xds = config.static_resources.clusters.find((c) => c.name === 'weft-xds')!;
  xds['load_assignment'] = {
    cluster_name: 'weft-xds',
    endpoints: [{ lb_endpoints: ports.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } })) }],
  };
  xds['health_checks'] = [{ timeout: '0.5s', interval: '0.3s', unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }];
  await writeFile(bootFile, JSON.stringify(config, null, 2));
}

/** Envoy's admin API (address from --admin-address-path). */
export class EnvoyAdmin {
  constructor(readonly base: string) {}

  async stats(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.base}/stats?format=json`)).text();
    const out = new Map<string, number>();
    for (const s of (JSON.parse(text) as { stats: { name?: string; value?: number }[] }).stats) if (s.name !== undefined && typeof s.value === 'number') out.set(s.name, s.value);
    return out;
  }

  /** Names of the dynamic listeners and clusters Envoy holds (active or warming), and the LDS and
   * CDS versions it applied last. */
  async held(): Promise<{ listeners: string[]; clusters: string[]; lds?: string; cds?: string }> {
    type Dump = { configs: { '@type': string; version_info?: string; dynamic_listeners?: { name: string }[]; dynamic_active_clusters?: { cluster: { name: string } }[]; dynamic_warming_clusters?: { cluster: { name: string } }[] }[] };
    const dump = (await (await fetch(`${this.base}/config_dump`)).json()) as Dump;
    const of = (t: string) => dump.configs.find((c) => c['@type'].endsWith(t));
    const clusters = of('ClustersConfigDump');
    return {
      listeners: (of('ListenersConfigDump')?.dynamic_listeners ?? []).map((l) => l.name).sort(),
      clusters: [...(clusters?.dynamic_active_clusters ?? []), ...(clusters?.dynamic_warming_clusters ?? [])].map((c) => c.cluster.name).sort(),
      lds: of('ListenersConfigDump')?.version_info,
      cds: clusters?.version_info,
    };
  }

  /** The PEM of the SDS secrets Envoy holds: `default` (the workload certificate chain) and
   * `trust-bundle` (the roots it trusts). */
  async secrets(): Promise<{ certificate?: string; bundle?: string }> {
    type Source = { inline_bytes?: string; inline_string?: string };
    type Secret = { name: string; secret?: { tls_certificate?: { certificate_chain?: Source }; validation_context?: { trusted_ca?: Source } } };
    const dump = (await (await fetch(`${this.base}/config_dump`)).json()) as { configs: { '@type': string; dynamic_active_secrets?: Secret[] }[] };
    const secrets = dump.configs.find((c) => c['@type'].endsWith('SecretsConfigDump'))?.dynamic_active_secrets ?? [];
    const text = (src?: Source) => src && (src.inline_string ?? Buffer.from(src.inline_bytes ?? '', 'base64').toString());
    return {
      certificate: text(secrets.find((x) => x.name === 'default')?.secret?.tls_certificate?.certificate_chain),
      bundle: text(secrets.find((x) => x.name === 'trust-bundle')?.secret?.validation_context?.trusted_ca),
    };
  }
}
