/**
 * The servers of the storm benchmark, all on mTLS ports that require a client certificate
 * chained to one trust bundle:
 * - weft: `ControlPlane.start` in the default configuration (static registry file, policy
 *   directory, its own CA, mTLS xDS port), which issues each identity's workload certificate on
 *   first use and serves it over SDS;
 * - the go-control-plane peer and the grpc-js floor, serving the resources weft served (exported
 *   from weft's snapshots, its SDS secrets included: go-control-plane has no CA, so the peer
 *   serves certificates weft issued; its figures exclude issuance, weft's include it). The floor
 *   serves one group's resources to every proxy.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { messageType } from '../proto/index.js';
import { ControlPlane, controlPlaneIdentity } from '../src/controlplane/index.js';
import { TypeUrl, type ResourceTypeUrl } from '../src/xds/index.js';
import { FloorServer } from './_floor-server.js';
import { GoPeer, resourceFile, type EncodedGroup } from './_gocp.js';
import { peerProbe } from './_gocp-target.js';
import type { TlsSpec } from './_ipc.js';
import { meshYaml, registryYaml, type MeshShape } from './_scoped-mesh.js';
import { inProcess, type ServerProbe, type TargetName } from './_targets.js';
import { boundedLogger } from './_weft-plane.js';

const Any = messageType('google.protobuf.Any');
const TYPES: readonly ResourceTypeUrl[] = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration, TypeUrl.Secret];

export interface StormServer extends ServerProbe {
  readonly name: TargetName;
  readonly port: number;
  /** Errors the server logged (weft) or 0 where it keeps no log. */
  logErrors(): number;
  close(): Promise<void>;
}

/** What weft served, for the other servers: groups of identical configuration and who used each. */
export interface Exported {
  groups: EncodedGroup[];
  nodes: Record<string, number>;
}

export interface WeftStorm {
  server: StormServer;
  tls: TlsSpec;
  /**
   * PEM files of a server certificate for the other servers, from weft's CA, in a directory that
   * outlives weft's close; the caller removes it with `removeServerTls()`.
   */
  serverTls: { cert: string; key: string; ca: string };
  removeServerTls(): Promise<void>;
  /** Call while proxies are connected: their snapshots, grouped. */
  exportResources(): Exported;
}

export async function startWeftStorm(shape: MeshShape): Promise<WeftStorm> {
  const root = await mkdtemp(path.join(tmpdir(), 'weft-bench-storm-'));
  await mkdir(path.join(root, 'policy'));
  await writeFile(path.join(root, 'policy', 'mesh.yaml'), meshYaml(shape));
  await writeFile(path.join(root, 'registry.yaml'), registryYaml(shape));
  const log = boundedLogger();
  const cp = await ControlPlane.start({
    policyDir: path.join(root, 'policy'), registry: { kind: 'static', file: path.join(root, 'registry.yaml') }, stateDir: path.join(root, 'state'),
    xds: { host: '127.0.0.1', port: 0 }, svidTtlMs: 24 * 3600_000, log,
  });
  const issue = (spiffeId: string) => {
    const r = cp.ca.issueBootstrapCert({ spiffeId });
    if (!r.ok) throw new Error(`bootstrap certificate for ${spiffeId}: ${r.error.message}`);
    return { key: r.svid.keyPem, cert: r.svid.certPem + r.svid.chainPem };
  };
  const ca = cp.ca.trustBundle().pems.join('');
  const identities = Array.from({ length: shape.services }, (_, i) => issue(`spiffe://cluster.local/ns/ns${Math.floor(i / shape.perNamespace)}/sa/svc${i}`));
  const own = issue(controlPlaneIdentity('cluster.local'));
  const tlsDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-storm-tls-'));
  const serverTls = { cert: path.join(tlsDir, 'server.pem'), key: path.join(tlsDir, 'server.key'), ca: path.join(tlsDir, 'bundle.pem') };
  await writeFile(serverTls.cert, own.cert, { mode: 0o600 });
  await writeFile(serverTls.key, own.key, { mode: 0o600 });
  await writeFile(serverTls.ca, ca, { mode: 0o600 });
  const server: StormServer = {
    ...inProcess, name: 'weft', port: cp.xdsPort, logErrors: () => log.errors,
    async close() {
      await cp.close();
      await rm(root, { recursive: true, force: true });
    },
  };
  const removeServerTls = () => rm(tlsDir, { recursive: true, force: true });
  return { server, tls: { ca, identities }, serverTls, removeServerTls, exportResources: () => exportFrom(cp) };
}

function exportFrom(cp: ControlPlane): Exported {
  const groups: EncodedGroup[] = [];
  const byKey = new Map<string, number>();
  const nodes: Record<string, number> = {};
  for (const p of cp.reconciler.proxies.all()) {
    const snap = p.snapshot;
    if (!snap) continue;
    const key = TYPES.map((t) => snap.get(t).version).join('|');
    let index = byKey.get(key);
    if (index === undefined) {
      index = groups.push(Object.fromEntries(TYPES.map((t) => [t, snap.get(t).list.map((r) => ({ name: r.name, value: (Any.decode(r.any) as unknown as { value: Uint8Array }).value }))]))) - 1;
      byKey.set(key, index);
    }
    nodes[p.node.id] = index;
  }
  return { groups, nodes };
}

export async function startFloorStorm(exported: Exported, tls: { cert: string; key: string; ca: string }): Promise<StormServer> {
  const floor = new FloorServer({}, exported.groups[0]);
  const [ca, key, cert] = await Promise.all([readFile(tls.ca), readFile(tls.key), readFile(tls.cert)]);
  const creds = grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], true);
  const port = await floor.listen(0, '127.0.0.1', creds);
  return { ...inProcess, name: 'floor', port, logErrors: () => 0, close: () => floor.close() };
}

export async function startPeerStorm(binary: string, exported: Exported, tls: { cert: string; key: string; ca: string }): Promise<StormServer> {
  const peer = await GoPeer.start(binary, tls);
  const file = path.join(path.dirname(tls.cert), 'peer-resources.json');
  resourceFile(file, exported.groups, exported.nodes);
  await peer.load(file);
  await rm(file, { force: true });
  return { ...peerProbe(() => peer), name: 'go-control-plane', port: peer.port, logErrors: () => 0, close: () => peer.close() };
}
