/**
 * The traffic mesh of e2e/proxyless/traffic.test.ts and the demo: frontend → reviews v1/v2/v3
 * (v2 and v3 call ratings), plus `details` (five replicas, one broken) for outlier detection and
 * `flaky` (fails 30 % of calls) for retries. Plain gRPC servers: the traffic features all live on
 * the client side in proxyless gRPC. The frontend and reviews v2/v3 are xDS clients of weft.
 */
import type { RunningWeft } from '../../src/cli/run.js';
import { Children } from './children.js';
import { Driver } from './driver.js';
import { freePorts, target, writeMeshDir, type MeshDir, type ServiceSpec } from './mesh-files.js';
import type { ServiceConfig } from './service.js';
import { nodeBootstrap, startMeshWeft, type WeftOptions } from './weft.js';

export interface TrafficMesh {
  readonly dir: MeshDir;
  /** The running weft; replaced by `startWeft` after `stopWeft`. */
  readonly weft: RunningWeft;
  readonly children: Children;
  readonly driver: Driver;
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

/** `canaryOnly` starts frontend, reviews and ratings only (what the demo shows). */
export async function startTrafficMesh(policy: Record<string, string> = {}, o: WeftOptions & { canaryOnly?: boolean } = {}): Promise<TrafficMesh> {
  const ports = await freePorts(11);
  const dir = await writeMeshDir(specs(ports), policy);
  const weftOptions = { ...o, insecurePort: ports[10]! };
  let weft = await startMeshWeft(dir, weftOptions);
  let running = true;
  const children = new Children();
  try {
    const xdsEnv = async (id: string, sa: string) => (await nodeBootstrap(weft, dir.root, { id, serviceAccount: sa })).env;
    const service = async (c: ServiceConfig, env: Record<string, string> = {}) => children.start(c.name, 'service', c, env);
    const [fe] = await Promise.all([
      children.start<{ port: number }>('frontend', 'frontend', {}, await xdsEnv('frontend', 'frontend')),
      service({ name: 'reviews-v1', ports: [ports[0]!] }),
      service({ name: 'reviews-v2', ports: [ports[1]!], upstream: target('ratings') }, await xdsEnv('reviews-v2', 'reviews')),
      service({ name: 'reviews-v3', ports: [ports[2]!], upstream: target('ratings') }, await xdsEnv('reviews-v3', 'reviews')),
      service({ name: 'ratings', ports: [ports[3]!] }),
      ...(o.canaryOnly ? [] : [
        service({ name: 'details', ports: ports.slice(4, 9), brokenReplicas: [0] }),
        service({ name: 'flaky', ports: [ports[9]!], failRate: 0.3 }),
      ]),
    ]);
    const driver = new Driver(fe.info.port);
    return {
      dir, children, driver, clientIds: ['frontend', 'reviews-v2', 'reviews-v3'],
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
        await children.stopAll();
        if (running) await weft.close();
        await dir.remove();
      },
    };
  } catch (err) {
    await children.stopAll();
    await weft.close();
    await dir.remove();
    throw err;
  }
}
