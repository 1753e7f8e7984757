/**
 * The security mesh of e2e/proxyless/security.test.ts: mtls strict, frontend → reviews →
 * ratings with reviews and ratings served by `XdsServer` (server listeners, mTLS through the
 * certificate-provider files, RBAC), plus an `intruder` caller with a valid mesh certificate for
 * an identity the AccessPolicy does not allow.
 *
 * Certificates are files written from SVIDs that weft's CA issues (what `weft bootstrap --format
 * grpc` writes); `rotate` re-issues them all with a short TTL, the file-rotation helper that
 * stands in for a node agent.
 */
import type { RunningWeft } from '../../src/cli/run.js';
import { Children } from '../../scripts/mesh/children.js';
import { Driver } from '../../scripts/mesh/driver.js';
import { freePorts, target, writeMeshDir, type MeshDir } from '../../scripts/mesh/mesh-files.js';
import { nodeBootstrap, startMeshWeft, writeCertificates } from '../../scripts/mesh/weft.js';

export const STRICT_MESH = 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n';
export const ACCESS = `kind: AccessPolicy
service: reviews.default
action: allow
rules:
  - from: [{ serviceAccount: frontend.default }]
---
kind: AccessPolicy
service: ratings.default
action: allow
rules:
  - from: [{ serviceAccount: reviews.default }]
`;
const REVIEWS = 'kind: TrafficPolicy\nservice: reviews.default\n';

interface Node { readonly id: string; readonly sa: string; readonly dir: string }

export interface SecureMesh {
  readonly dir: MeshDir;
  readonly weft: RunningWeft;
  readonly frontend: Driver;
  readonly intruder: Driver;
  /** The ports reviews and ratings listen on (0.0.0.0), for a caller that dials them directly. */
  readonly reviewsPort: number;
  readonly ratingsPort: number;
  readonly nodeIds: readonly string[];
  /** Re-issues every node's certificate files with lifetime `ttlMs`. */
  rotate(ttlMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSecureMesh(): Promise<SecureMesh> {
  const [reviewsPort, ratingsPort] = await freePorts(2);
  const dir = await writeMeshDir([
    { name: 'reviews', targetPort: reviewsPort, endpoints: [{ port: reviewsPort!, version: 'v1', instance: 'reviews-v1' }] },
    { name: 'ratings', targetPort: ratingsPort, endpoints: [{ port: ratingsPort!, version: 'v1', instance: 'ratings' }] },
  ], { 'mesh.yaml': STRICT_MESH, 'access.yaml': ACCESS, 'reviews.yaml': REVIEWS });
  const weft = await startMeshWeft(dir);
  const children = new Children();
  const nodes: Node[] = [];
  const boot = async (id: string, sa: string, services: string[] = []) => {
    const b = await nodeBootstrap(weft, dir.root, { id, serviceAccount: sa, services, certificates: true });
    nodes.push({ id, sa, dir: b.dir });
    return { ...b.env, GRPC_XDS_EXPERIMENTAL_RBAC: 'true' };
  };
  try {
    await children.start('ratings', 'service', { name: 'ratings', ports: [ratingsPort], xdsServer: true }, await boot('ratings', 'ratings', ['ratings.default']));
    await children.start('reviews-v1', 'service', { name: 'reviews-v1', ports: [reviewsPort], xdsServer: true, upstream: target('ratings') }, await boot('reviews-v1', 'reviews', ['reviews.default']));
    const [fe, bad] = await Promise.all([
      children.start<{ port: number }>('frontend', 'frontend', {}, await boot('frontend', 'frontend')),
      children.start<{ port: number }>('intruder', 'frontend', {}, await boot('intruder', 'intruder')),
    ]);
    const frontend = new Driver(fe.info.port);
    const intruder = new Driver(bad.info.port);
    return {
      dir, weft, frontend, intruder, reviewsPort: reviewsPort!, ratingsPort: ratingsPort!, nodeIds: nodes.map((n) => n.id),
      rotate: async (ttlMs) => void (await Promise.all(nodes.map((n) => writeCertificates(weft, n.dir, n.sa, ttlMs)))),
      stop: async () => (frontend.close(), intruder.close(), await children.stopAll(), await weft.close(), await dir.remove()),
    };
  } catch (err) {
    await children.stopAll();
    await weft.close();
    await dir.remove();
    throw err;
  }
}
