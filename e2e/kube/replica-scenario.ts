/**
 * The world of the replica scenario (replicas.test.ts): a mesh of two Services with endpoints and
 * an HTTPRoute in the API server, a policy directory, and one real Envoy bootstrapped by
 * `weft bootstrap` with the root from the CA Secret and pointed at both replicas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import { WEFT_CONTROLLER, type RouteObject } from '../../src/discovery/kube-routes.js';
import type { KubeApiServer } from '../../test/support/kube-apiserver.js';
import { envoyBin } from '../envoy/env.js';
import { until } from '../envoy/http.js';
import { acquireMeshLock, releaseMeshLock } from '../envoy/lock.js';
import { GATEWAY_GROUP } from './crds.js';
import { endpointSlice, service } from './objects.js';
import { EnvoyAdmin, pointAtReplicas } from './replica-mesh.js';

export const NODE = 'client-1';

export class ReplicaWorld {
  private envoy: ChildProcess | undefined;
  private locked = false;

  constructor(private readonly kube: KubeApiServer, readonly root: string) {}

  /** Services api and web with endpoints, the HTTPRoute api, and the policy directory. */
  async mesh(ns: string): Promise<void> {
    for (const [name, port] of [['api', 8080], ['web', 9090]] as const) {
      await this.kube.core.createNamespacedService({ namespace: ns, body: service(ns, name, [{ name: 'http', port }]) });
      await this.kube.discovery.createNamespacedEndpointSlice({ namespace: ns, body: endpointSlice(ns, `${name}-1`, name, [{ ip: '10.9.0.1' }, { ip: '10.9.0.2' }], [{ name: 'http', port }]) });
    }
    await this.kube.kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: GATEWAY_GROUP, version: 'v1', namespace: ns, plural: 'httproutes', body: this.route(ns, 1) });
    await mkdir(path.join(this.root, 'policy'));
    await writeFile(path.join(this.root, 'policy', 'mesh.yaml'), 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n');
  }

  /** The HTTPRoute api (one backend of that weight: a new weight is a new generation). */
  route(ns: string, weight: number) {
    return {
      apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'HTTPRoute', metadata: { name: 'api', namespace: ns },
      spec: { parentRefs: [{ group: '', kind: 'Service', name: 'api', port: 8080 }], rules: [{ backendRefs: [{ name: 'api', port: 8080, weight }] }] },
    };
  }

  /** The route's generation and the observedGeneration of weft's Accepted condition. */
  async routeStatus(ns: string): Promise<string> {
    const o = (await this.kube.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObjectStatus({ group: GATEWAY_GROUP, version: 'v1', namespace: ns, plural: 'httproutes', name: 'api' })) as RouteObject;
    const accepted = o.status?.parents?.find((p) => p.controllerName === WEFT_CONTROLLER)?.conditions.find((c) => c.type === 'Accepted');
    return `generation ${o.metadata?.generation}, Accepted ${accepted?.status}@${accepted?.observedGeneration}`;
  }

  /** `weft bootstrap` with the root from the Secret, then the xDS cluster pointed at both replicas. */
  async startEnvoy(ns: string, ports: readonly number[]): Promise<EnvoyAdmin> {
    const secret = await this.kube.core.readNamespacedSecret({ name: 'weft-ca', namespace: 'weft-system' });
    for (const k of ['tls.crt', 'tls.key']) await writeFile(path.join(this.root, k), Buffer.from(secret.data![k]!, 'base64'), { mode: 0o600 });
    const out = path.join(this.root, NODE);
    expect(await main(['bootstrap', '--node-id', NODE, '--namespace', ns, '--service-account', 'client', '--format', 'envoy', '--interception', 'explicit',
      '--xds-address', `127.0.0.1:${ports[0]}`, '--ca-cert', path.join(this.root, 'tls.crt'), '--ca-key', path.join(this.root, 'tls.key'), '--no-metrics-sink', '--out', out])).toBe(0);
    await pointAtReplicas(path.join(out, 'envoy.json'), ports);
    await acquireMeshLock();
    this.locked = true;
    const adminFile = path.join(this.root, 'envoy-admin');
    this.envoy = spawn(envoyBin!, ['-c', path.join(out, 'envoy.json'), '--admin-address-path', adminFile, '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    this.envoy.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const address = await until(() => `Envoy's admin address\n${log}`, 30_000, async () => {
      if (this.envoy!.exitCode !== null) throw new Error(`envoy exited ${this.envoy!.exitCode}\n${log}`);
      return (await readFile(adminFile, 'utf8').catch(() => '')).trim() || undefined;
    });
    return new EnvoyAdmin(`http://${address}`);
  }

  async stop(): Promise<void> {
    if (this.envoy && this.envoy.exitCode === null) await new Promise((r) => (this.envoy!.once('exit', r), this.envoy!.kill('SIGKILL')));
    if (this.locked) await releaseMeshLock();
  }
}
