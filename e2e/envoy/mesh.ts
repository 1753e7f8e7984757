/**
 * One weft (in-process, as `weft serve` runs it) and one real Envoy sidecar for the client
 * (scripts/mesh/envoy-sidecar.ts, as the demo starts its own), whose bootstrap is written by the
 * `weft bootstrap` command in `explicit` mode: each service port gets an Envoy listener on
 * <explicit outbound address, 127.0.0.6>:<port>, and the test sends requests there with the
 * service's hostname as Host.
 *
 * The only change to the bootstrap is the Envoy admin port (0 instead of 15000, read back through
 * `--admin-address-path`) so a developer's own Envoy does not collide with the suite. The inbound
 * (15006) and stats (15090) listeners come from weft and use their fixed ports; they must be free.
 *
 * Not safe to share between test files: each file starts its own mesh and stops it in afterAll.
 */
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWeft, type RunningWeft } from '../../src/cli/run.js';
import { memoryLogger } from '../../src/controlplane/index.js';
import { startSidecar, type Sidecar } from '../../scripts/mesh/envoy-sidecar.js';
import { envoyBin } from './env.js';
import { EnvoyLog, tcpAdmin, type EnvoyHandle } from './health.js';
import { until } from './http.js';
import { acquireMeshLock, releaseMeshLock } from './lock.js';

export interface ServiceSpec {
  readonly name: string;
  readonly serviceAccount: string;
  /** Service port: the client's explicit listener binds 127.0.0.1:<port>. */
  readonly port: number;
  /** Workload port (inbound chains match it; the local cluster is 127.0.0.1:<targetPort>). */
  readonly targetPort?: number;
  readonly endpoints: readonly { readonly address?: string; readonly port: number; readonly labels: Readonly<Record<string, string>> }[];
}

export interface MeshOptions {
  readonly services: readonly ServiceSpec[];
  /** Policy files by name; `mesh.yaml` is required. */
  readonly policy: Readonly<Record<string, string>>;
  readonly client: ClientSpec;
}

/** The sidecar under test, as `weft bootstrap` is told about it. */
export interface ClientSpec {
  readonly id: string;
  readonly serviceAccount: string;
  readonly serves: readonly string[];
  /** `instance_ips`: explicit mode binds a served service's inbound listener at its endpoint on one of these. */
  readonly ips?: readonly string[];
  /** Workload labels (default `app=<serviceAccount>`); they pick the proxy's own endpoint. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Incremental (delta) ADS instead of state of the world. */
  readonly delta?: boolean;
}

export const hostname = (service: string) => `${service}.default.svc.cluster.local`;

function registryYaml(services: readonly ServiceSpec[]): string {
  const lines = ['services:'];
  for (const s of services) {
    lines.push(`  - name: ${s.name}`, '    namespace: default', `    serviceAccount: ${s.serviceAccount}`,
      `    ports: [{ name: http, port: ${s.port}, targetPort: ${s.targetPort ?? s.port}, protocol: http }]`, '    endpoints:');
    for (const e of s.endpoints) {
      const labels = Object.entries(e.labels).map(([k, v]) => `${k}: ${v}`).join(', ');
      lines.push(`      - { address: ${e.address ?? '127.0.0.1'}, ports: { http: ${e.port} }, labels: { ${labels} } }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export class EnvoyMesh {
  private constructor(
    readonly root: string,
    readonly policyDir: string,
    readonly stateDir: string,
    readonly clientId: string,
    public weft: RunningWeft,
    readonly sidecar: Sidecar,
    private readonly envoyLogLines: EnvoyLog,
  ) {}

  /** Envoy's admin address, `http://127.0.0.1:<port>`. */
  get envoyAdmin(): string {
    return this.sidecar.admin;
  }

  /** Writes the mesh into `root` (default: a new temporary directory), starts weft, writes the bootstrap with `weft bootstrap`, starts Envoy and
   * waits until Envoy is LIVE and weft reports it SYNCED on every type. */
  static async start(o: MeshOptions, root?: string): Promise<EnvoyMesh> {
    if (!envoyBin) throw new Error('no envoy binary');
    await acquireMeshLock();
    try {
      return await EnvoyMesh.#start(o, root ?? (await meshRoot()), envoyBin);
    } catch (err) {
      await releaseMeshLock();
      throw err;
    }
  }

  static async #start(o: MeshOptions, root: string, bin: string): Promise<EnvoyMesh> {
    const policyDir = path.join(root, 'policy');
    await mkdir(policyDir, { recursive: true });
    for (const [file, text] of Object.entries(o.policy)) await writeFile(path.join(policyDir, file), text);
    await writeFile(path.join(root, 'registry.yaml'), registryYaml(o.services));
    const stateDir = path.join(root, 'state');
    const weft = await startMeshWeft(root, 0);
    const log = new EnvoyLog();
    const c = o.client;
    let sidecar: Sidecar | undefined;
    try {
      sidecar = await startSidecar(bin, weft, stateDir, {
        id: c.id, serviceAccount: c.serviceAccount, dir: path.join(root, 'nodes', c.id), services: c.serves.map((s) => `${s}.default`),
        ...(c.ips ? { ips: c.ips } : {}), ...(c.labels ? { labels: c.labels } : {}), ...(c.delta ? { delta: true } : {}), onOutput: (d) => log.push(d),
      });
      const mesh = new EnvoyMesh(root, policyDir, stateDir, c.id, weft, sidecar, log);
      await mesh.converged();
      return mesh;
    } catch (err) {
      await sidecar?.stop();
      await weft.close();
      throw err;
    }
  }

  /** The last 16 kB of Envoy's own log (access-log lines left out), for failure messages. */
  envoyLog(): string {
    return this.envoyLogLines.text();
  }

  /** This sidecar for the after-scenario check (health.ts). */
  handle(): EnvoyHandle {
    return { nodeId: this.clientId, get: tcpAdmin(this.envoyAdmin), log: () => this.envoyLog() };
  }

  async policyVersion(): Promise<string> {
    const res = await fetch(`${this.weft.admin.url}/api/v1/policy`);
    return ((await res.json()) as { version: string }).version;
  }

  /** Resolves with the policy version once it differs from `previous` (when given) and the client
   * proxy is connected at that version with every type SYNCED (Envoy ACKed, so applied). */
  async converged(previous?: string, ms = 30_000): Promise<string> {
    type Proxies = { proxies: { id: string; policyVersion?: string; types: { type: string; status: string }[] }[] };
    let last = '';
    return until(() => `weft and Envoy to converge (client proxy: ${last})`, ms, async () => {
      const version = await this.policyVersion();
      const { proxies } = (await (await fetch(`${this.weft.admin.url}/api/v1/proxies`)).json()) as Proxies;
      const p = proxies.find((x) => x.id === this.clientId);
      last = JSON.stringify(p ?? proxies);
      const ok = version !== previous && p?.policyVersion === version && p.types.length > 0 && p.types.every((t) => t.status === 'SYNCED');
      return ok ? version : undefined;
    });
  }

  /** Replaces one policy file atomically (a hidden temporary file renamed over it: a truncating
   * write could be loaded half-written, as a valid but different policy) and waits until Envoy has
   * applied the new version. */
  async edit(file: string, text: string): Promise<void> {
    const before = await this.policyVersion();
    const tmp = path.join(this.policyDir, `.${file}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, path.join(this.policyDir, file));
    await this.converged(before);
  }

  /** Stops weft (Envoy keeps its last config); the returned function starts it again on the same
   * xDS port with the same CA, so Envoy's bootstrap certificate stays valid. */
  async stopWeft(): Promise<() => Promise<void>> {
    const port = this.weft.cp.xdsPort;
    await this.weft.close();
    return async () => {
      this.weft = await startMeshWeft(this.root, port);
    };
  }

  async stop(): Promise<void> {
    await this.sidecar.stop();
    await this.weft.close().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
    await releaseMeshLock();
  }
}

/** A new temporary directory for a mesh; its `state/` subdirectory will hold weft's CA. */
export function meshRoot(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'weft-e2e-envoy-'));
}

/** weft as `weft serve` runs it, on `root`'s policy/, registry.yaml and state/. */
export function startMeshWeft(root: string, xdsPort: number, svidTtlMs = 3600_000, gatewayCerts?: string): Promise<RunningWeft> {
  return startWeft({
    ...(gatewayCerts !== undefined && { gatewayCerts }),
    policyDir: path.join(root, 'policy'),
    registry: { kind: 'static', file: path.join(root, 'registry.yaml') },
    stateDir: path.join(root, 'state'),
    xds: { host: '127.0.0.1', port: xdsPort },
    admin: { host: '127.0.0.1', port: 0 },
    svidTtlMs,
    debounce: { quietMs: 20, maxMs: 300 },
    log: memoryLogger(),
  });
}
