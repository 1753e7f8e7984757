/**
 * The traffic mesh of e2e/proxyless/traffic.test.ts and the demo: frontend → reviews v1/v2/v3
 * (v2 and v3 call ratings), plus `details` (five replicas, one broken) for outlier detection and
 * `flaky` (fails 30 % of calls) for retries. Plain gRPC servers: the traffic features all live on
 * the client side in proxyless gRPC. The frontend and reviews v2/v3 are xDS clients of weft; with
 * `envoy` (a binary), the frontend instead calls reviews through a real Envoy sidecar (explicit
 * mode), which streams its per-edge stats to weft, so the service map shows live traffic.
 */
import path from 'node:path';
import type { RunningWeft } from '../../src/cli/run.js';
import { Children } from './children.js';
import { Driver } from './driver.js';
import { startSidecar, type Sidecar } from './envoy-sidecar.js';
import { SERVICE_PORT, freePorts, target, writeMeshDir, type MeshDir, type ServiceSpec } from './mesh-files.js';
import type { ServiceConfig } from './service.js';
import { nodeBootstrap, startMeshWeft, type WeftOptions } from './weft.js';

export interface TrafficMesh {
  readonly dir: MeshDir;
  /** The running weft; replaced by `startWeft` after `stopWeft`. */
  readonly weft: RunningWeft;
  readonly children: Children;
  readonly driver: Driver;
  /** How the frontend reaches reviews: an `xds:///` target, or its sidecar's listener and the
   * service's host as authority. */
  readonly reviews: { readonly target: string; readonly authority?: string };
  /** The frontend's Envoy sidecar, when the mesh runs with one. */
  readonly sidecar?: Sidecar;
  /** xDS node ids of the mesh's clients. */
  readonly clientIds: readonly string[];
  /** Stops weft (control plane and admin API); the mesh keeps running on what it has. */
  stopWeft(): Promise<void>;
  /** Starts weft again on the same plaintext xDS port, state directory (CA) and files. */
  startWeft(): Promise<void>;
  stop(): Promise<void>;
}

function specs(p: number[]): ServiceSpec[] {
  return [
    { name: 'reviews', endpoints: ['v1', 'v2', 'v3'].map((v, i) => ({ port: p[i]!, version: v, instance: `reviews-${v}` })) },
    { name: 'ratings', endpoints: [{ port: p[3]!, version: 'v1', instance: 'ratings' }] },
    { name: 'details', endpoints: [0, 1, 2, 3, 4].map((i) => ({ port: p[4 + i]!, instance: i ? `details-${i}` : 'details' })) },
    { name: 'flaky', endpoints: [{ port: p[9]!, instance: 'flaky' }] },
  ];
}

export interface TrafficMeshOptions extends WeftOptions {
  /** Start frontend, reviews and ratings only (what the demo shows). */
  readonly canaryOnly?: boolean;
  /** An Envoy binary: the frontend calls reviews through an Envoy sidecar. */
  readonly envoy?: string;
}

export async function startTrafficMesh(policy: Record<string, string> = {}, o: TrafficMeshOptions = {}): Promise<TrafficMesh> {
  const ports = await freePorts(11);
  const dir = await writeMeshDir(specs(ports), policy);
  const weftOptions = { ...o, insecurePort: ports[10]! };
  let weft = await startMeshWeft(dir, weftOptions);
  let running = true;
  const children = new Children();
  let sidecar: Sidecar | undefined;
  try {
    const xdsEnv = async (id: string, sa: string) => (await nodeBootstrap(weft, dir.root, { id, serviceAccount: sa })).env;
    const service = async (c: ServiceConfig, env: Record<string, string> = {}) => children.start(c.name, 'service', c, env);
    const [fe] = await Promise.all([
      children.start<{ port: number }>('frontend', 'frontend', {}, o.envoy ? {} : await xdsEnv('frontend', 'frontend')),
      service({ name: 'reviews-v1', ports: [ports[0]!] }),
      service({ name: 'reviews-v2', ports: [ports[1]!], upstream: target('ratings') }, await xdsEnv('reviews-v2', 'reviews')),
      service({ name: 'reviews-v3', ports: [ports[2]!], upstream: target('ratings') }, await xdsEnv('reviews-v3', 'reviews')),
      service({ name: 'ratings', ports: [ports[3]!] }),
      ...(o.canaryOnly ? [] : [
        service({ name: 'details', ports: ports.slice(4, 9), brokenReplicas: [0] }),
        service({ name: 'flaky', ports: [ports[9]!], failRate: 0.3 }),
      ]),
    ]);
    if (o.envoy) sidecar = await startSidecar(o.envoy, weft, dir.stateDir, { id: 'frontend', serviceAccount: 'frontend', dir: path.join(dir.root, 'nodes', 'frontend') });
    const driver = new Driver(fe.info.port);
    const reviews = sidecar ? { target: `127.0.0.6:${SERVICE_PORT}`, authority: `reviews.default.svc.cluster.local:${SERVICE_PORT}` } : { target: target('reviews') };
    return {
      dir, children, driver, reviews, ...(sidecar ? { sidecar } : {}), clientIds: ['frontend', 'reviews-v2', 'reviews-v3'],
      get weft() {
        return weft;
      },
      stopWeft: async () => {
        if (running) (running = false), await weft.close();
      },
      startWeft: async () => {
        weft = await startMeshWeft(dir, weftOptions);
        running = true;
      },
      stop: async () => {
        driver.close();
        await Promise.all([children.stopAll(), sidecar?.stop()]);
        if (running) await weft.close();
        await dir.remove();
      },
    };
  } catch (err) {
    await Promise.all([children.stopAll(), sidecar?.stop()]);
    await weft.close();
    await dir.remove();
    throw err;
  }
}
