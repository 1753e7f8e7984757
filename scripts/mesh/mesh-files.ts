/**
 * The e2e mesh on disk: a static registry with free ports and a policy directory copied from
 * examples/grpc-mesh/policy, both in a fresh temp directory the caller owns (and removes).
 *
 * Services (all in namespace `default`, gRPC on service port 9080):
 * - `reviews` v1/v2/v3, one process each (v2 and v3 call ratings), the canary's subject;
 * - `ratings`, one instance; `details`, a pool of replicas for outlier detection;
 * - `flaky`, one instance failing a share of calls, for retries.
 * Each endpoint has its own port on 127.0.0.1 (registry `ports:` per endpoint), except services
 * served through `XdsServer`, whose single endpoint listens on the service's targetPort: weft
 * names gRPC server listeners `0.0.0.0:<targetPort>` and grpc-js requires that exact address.
 */
import { writeFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './children.js';

export const EXAMPLE_POLICY = path.join(REPO_ROOT, 'examples', 'grpc-mesh', 'policy');
export const SERVICE_PORT = 9080;
export const target = (service: string) => `xds:///${service}.default.svc.cluster.local:${SERVICE_PORT}`;

export interface Endpoint {
  readonly port: number;
  readonly version?: string;
  readonly instance: string;
  /** The endpoint's locality in the registry. */
  readonly region?: string;
  readonly zone?: string;
}

export interface ServiceSpec {
  readonly name: string;
  /** The port XdsServer listens on; endpoints then use it too. Default 9080. */
  readonly targetPort?: number;
  readonly endpoints: readonly Endpoint[];
}

/**
 * `n` consecutive ports, free on 0.0.0.0 and [::] right now (XdsServer binds there; plain servers
 * on 127.0.0.1), below Linux's ephemeral range (32768+), so no outgoing connection of this machine
 * (the clients, weft, Envoy, other test files) can take one between this check and the servers'
 * bind, as happens to ports that `listen(0)` picked.
 */
export async function freePorts(n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - n));
    const ports = Array.from({ length: n }, (_, i) => base + i);
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) return ports;
  }
  throw new Error(`no ${n} consecutive free ports in 20000-31999`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '::', ipv6Only: false }, () => s.close(() => resolve(true)));
  });
}

export function registryYaml(services: readonly ServiceSpec[]): string {
  const lines = ['# e2e mesh: every endpoint is a real process on 127.0.0.1', 'services:'];
  for (const s of services) {
    lines.push(`  - name: ${s.name}`, '    namespace: default', `    serviceAccount: ${s.name}`);
    lines.push(`    ports: [{ name: grpc, port: ${SERVICE_PORT}, targetPort: ${s.targetPort ?? SERVICE_PORT}, protocol: grpc }]`, '    endpoints:');
    for (const e of s.endpoints) {
      const labels = e.version ? `{ app: ${s.name}, version: ${e.version} }` : `{ app: ${s.name} }`;
      const locality = `${e.region ? `, region: ${e.region}` : ''}${e.zone ? `, zone: ${e.zone}` : ''}`;
      lines.push(`      - { address: 127.0.0.1, ports: { grpc: ${e.port} }, labels: ${labels}${locality}, instance: ${e.instance} }`);
    }
  }
  return lines.join('\n') + '\n';
}

export interface MeshDir {
  readonly root: string;
  readonly policyDir: string;
  readonly registryFile: string;
  readonly stateDir: string;
  /** Rewrites one policy file (name relative to the policy directory) in place, synchronously.
   * Synchronously because weft runs in this process: it cannot read the file between the
   * truncation and the write (an empty file is a valid policy with no documents). In place because
   * weft's watcher misses later edits of a file once it was replaced by a rename (see
   * policy-watch.test.ts). */
  writePolicy(file: string, text: string): Promise<void>;
  readPolicy(file: string): Promise<string>;
  /** Deletes the whole directory (policy, registry, CA state, bootstraps, certificates). */
  remove(): Promise<void>;
}

/** A temp directory with the example policy (optionally overridden per file) and the registry. */
export async function writeMeshDir(services: readonly ServiceSpec[], policy: Record<string, string> = {}, policySource = EXAMPLE_POLICY): Promise<MeshDir> {
  const root = await mkdtemp(path.join(tmpdir(), 'weft-grpc-e2e-'));
  const policyDir = path.join(root, 'policy');
  await cp(policySource, policyDir, { recursive: true });
  for (const [file, text] of Object.entries(policy)) await writeFile(path.join(policyDir, file), text);
  const registryFile = path.join(root, 'registry.yaml');
  await writeFile(registryFile, registryYaml(services));
  return {
    root, policyDir, registryFile, stateDir: path.join(root, 'state'),
    writePolicy: async (file, text) => writeFileSync(path.join(policyDir, file), text),
    readPolicy: (file) => readFile(path.join(policyDir, file), 'utf8'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
