/**
 * weft for the e2e mesh, in-process (`startWeft`, what `weft serve` runs): the tests need the
 * CA object to issue workload certificates for gRPC's certificate-provider files, a fixed
 * plaintext port to restart on, and no extra tsx start-up on a 2-core machine. The CLI wrapper
 * around `startWeft` has its own tests in test/cli.
 *
 * Also writes per-node gRPC bootstraps (with `bootstrapConfig`, as `weft bootstrap --format grpc`
 * does) and waits for convergence through the admin API.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startWeft, type RunningWeft } from '../../src/cli/run.js';
import { CA_FILE, CERT_FILE, KEY_FILE, bootstrapConfig, controlPlaneIdentity, memoryLogger, type Logger } from '../../src/controlplane/index.js';
import type { MeshDir } from './mesh-files.js';

export interface WeftOptions {
  readonly insecurePort?: number;
  readonly log?: Logger;
  readonly svidTtlMs?: number;
}

export function startMeshWeft(dir: MeshDir, o: WeftOptions = {}): Promise<RunningWeft> {
  return startWeft({
    policyDir: dir.policyDir,
    registry: { kind: 'static', file: dir.registryFile },
    stateDir: dir.stateDir,
    xds: { host: '127.0.0.1', port: 0, insecurePort: o.insecurePort ?? 0 },
    admin: { host: '127.0.0.1', port: 0 },
    svidTtlMs: o.svidTtlMs ?? 3600_000,
    debounce: { quietMs: 20, maxMs: 300 },
    log: o.log ?? memoryLogger(),
  });
}

export interface NodeSpec {
  readonly id: string;
  readonly serviceAccount: string;
  /** Services this node serves (XdsServer nodes): gives it a server listener. */
  readonly services?: readonly string[];
  /** Write certificate-provider files issued by weft's CA for the node's identity. */
  readonly certificates?: boolean;
  /** The bootstrap's node locality (`weft bootstrap --region/--zone`). */
  readonly locality?: { readonly region?: string; readonly zone?: string };
}

const identity = (sa: string) => `spiffe://cluster.local/ns/default/sa/${sa}`;

/** Writes `<root>/nodes/<id>/grpc-bootstrap.json` (+ certificates) and returns the env a child
 * needs. The file_watcher refresh is 1 s (not `weft bootstrap`'s 10 s) so rotation is quick. */
export async function nodeBootstrap(weft: RunningWeft, root: string, n: NodeSpec): Promise<{ env: Record<string, string>; dir: string }> {
  const dir = path.join(root, 'nodes', n.id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const config = bootstrapConfig({
    format: 'grpc', nodeId: n.id, namespace: 'default', serviceAccount: n.serviceAccount, trustDomain: 'cluster.local',
    // Served services are derived from the registry: the node must be at one of the service's endpoints.
    xdsAddress: `127.0.0.1:${weft.cp.insecure!.port}`, delta: false, instanceIps: n.services?.length ? ['127.0.0.1'] : [],
    interception: 'explicit', // what `weft bootstrap --format grpc` writes by default
    services: n.services ?? [], labels: {}, certDir: dir, controlPlaneIdentity: controlPlaneIdentity('cluster.local'),
    ...(n.locality ? { locality: n.locality } : {}),
  });
  const providers = config.certificate_providers as { default: { config: Record<string, unknown> } };
  if (n.certificates) {
    providers.default.config.refresh_interval = '1s';
    await writeCertificates(weft, dir, n.serviceAccount);
  } else {
    delete config.certificate_providers;
  }
  const file = path.join(dir, 'grpc-bootstrap.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return { env: { GRPC_XDS_BOOTSTRAP: file }, dir };
}

/** Issues an SVID for `sa` (TTL `ttlMs`) and rewrites the node's certificate files. Each file is
 * written to a temp name and renamed, so the file watcher never reads a half-written PEM. */
export async function writeCertificates(weft: RunningWeft, dir: string, sa: string, ttlMs = 3600_000): Promise<string> {
  const issued = weft.cp.ca.issueSvid({ spiffeId: identity(sa), ttlMs });
  if (!issued.ok) throw new Error(`CA refused ${sa}: ${issued.error.message}`);
  const files: [string, string][] = [
    [CA_FILE, weft.cp.ca.trustBundle().pems.join('')],
    [KEY_FILE, issued.svid.keyPem],
    [CERT_FILE, issued.svid.certPem + issued.svid.chainPem],
  ];
  for (const [f, text] of files) {
    await writeFile(path.join(dir, `.${f}.tmp`), text, { mode: 0o600 });
    await rename(path.join(dir, `.${f}.tmp`), path.join(dir, f));
  }
  return issued.svid.certPem;
}

type Proxies = { proxies: { id: string; policyVersion: string; types: { type: string; status: string }[] }[] };

async function api<T>(weft: RunningWeft, route: string): Promise<T> {
  const res = await fetch(weft.admin.url + route);
  return (await res.json()) as T;
}

export async function policyVersion(weft: RunningWeft): Promise<string> {
  return (await api<{ version: string }>(weft, '/api/v1/policy')).version;
}

/** Resolves once the policy version differs from `previous` (when given) and every proxy in `ids`
 * is connected, at that version, with every type SYNCED. Throws after `ms`. */
export async function converged(weft: RunningWeft, ids: readonly string[], previous?: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const version = await policyVersion(weft);
    const { proxies } = await api<Proxies>(weft, '/api/v1/proxies');
    const ok = version !== previous && ids.every((id) => {
      const p = proxies.find((x) => x.id === id);
      return p && p.policyVersion === version && p.types.length > 0 && p.types.every((t) => t.status === 'SYNCED');
    });
    if (ok) return version;
    if (Date.now() > deadline) throw new Error(`not converged on ${ids.join(', ')}: ${JSON.stringify(proxies)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
