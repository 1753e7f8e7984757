/**
 * A proxyless gRPC server bootstrapped as `weft bootstrap --format grpc` writes it by default
 * (interception `explicit`) gets its server listener and starts serving. Its instance IP is what
 * makes it a reviews server: served services are derived from the registry (docs/security.md).
 *
 * Guards a fixed regression: explicit-mode inbound listeners (an Envoy concept) once swallowed the
 * inbound chains that gRPC server listeners are built from. Interception means nothing to a
 * proxyless server.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWeft } from '../../src/cli/run.js';
import { GRPC_SERVER_TEMPLATE, bootstrapConfig, controlPlaneIdentity } from '../../src/controlplane/index.js';
import { freePorts, writeMeshDir, type MeshDir } from '../../scripts/mesh/mesh-files.js';
import { startMeshWeft } from '../../scripts/mesh/weft.js';
import { meshService } from '../../scripts/mesh/wire.js';

grpcXds.register();
let weft: RunningWeft;
let dir: MeshDir;
let port: number;

beforeAll(async () => {
  [port] = (await freePorts(1)) as [number];
  dir = await writeMeshDir([
    { name: 'reviews', targetPort: port, endpoints: [{ port, version: 'v1', instance: 'reviews-v1' }] },
    { name: 'ratings', endpoints: [{ port: port + 1, instance: 'ratings' }] },
  ], { 'reviews.yaml': 'kind: TrafficPolicy\nservice: reviews.default\n' });
  weft = await startMeshWeft(dir);
});

afterAll(async () => {
  await weft?.close();
  await dir?.remove();
});

/** Resolves true once the server serves on `address`, false after `ms`. */
function serves(server: grpcXds.XdsServer, address: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (clearTimeout(timer), resolve(!err)));
  });
}

describe('proxyless gRPC server listener', () => {
  it('is served to a server bootstrapped with the default (explicit) interception', async () => {
    const config = bootstrapConfig({
      format: 'grpc', nodeId: 'reviews-v1', namespace: 'default', serviceAccount: 'reviews', trustDomain: 'cluster.local',
      xdsAddress: `127.0.0.1:${weft.cp.insecure!.port}`, delta: false, interception: 'explicit', instanceIps: ['127.0.0.1'],
      services: ['reviews.default'], labels: {}, certDir: '/nonexistent', controlPlaneIdentity: controlPlaneIdentity('cluster.local'),
    });
    delete config.certificate_providers;
    expect(config.server_listener_resource_name_template).toBe(GRPC_SERVER_TEMPLATE);
    const server = new grpcXds.XdsServer({ 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(config) } as grpc.ServerOptions);
    server.addService(meshService, { Call: ((_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from('ok'))) as grpc.UntypedHandleCall });
    try {
      expect(await serves(server, `0.0.0.0:${port}`, 5_000)).toBe(true);
    } finally {
      server.forceShutdown();
    }
  }, 20_000);
});
