/**
 * The proxyless output is fed to @grpc/grpc-js-xds' own resource validators (the code a real gRPC
 * client runs on every response): anything it would NACK fails here.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../../proto/index.js';
import { TypeUrl, messageNameOf } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';

// gRPC's RBAC support is behind a flag; weft's server listeners require it (RBAC is never optional).
process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';
const require = createRequire(import.meta.url);
const base = '@grpc/grpc-js-xds/build/src/xds-resource-type';
let decoders: Record<string, { decode(ctx: unknown, any: unknown): { name: string; error?: string } }>;

beforeAll(() => {
  // The client's HTTP filters (fault, RBAC, router) are registered by the package's register().
  require('@grpc/grpc-js-xds').register();
  const { ListenerResourceType } = require(`${base}/listener-resource-type.js`);
  const { ClusterResourceType } = require(`${base}/cluster-resource-type.js`);
  const { RouteConfigurationResourceType } = require(`${base}/route-config-resource-type.js`);
  const { EndpointResourceType } = require(`${base}/endpoint-resource-type.js`);
  decoders = {
    [TypeUrl.Listener]: ListenerResourceType.get(), [TypeUrl.Cluster]: ClusterResourceType.get(),
    [TypeUrl.RouteConfiguration]: RouteConfigurationResourceType.get(), [TypeUrl.ClusterLoadAssignment]: EndpointResourceType.get(),
  };
});

const context = {
  server: { serverUri: 'localhost:18000', channelCredentials: { type: 'insecure' }, serverFeatures: [] },
  bootstrap: { certificateProviders: { default: { pluginName: 'file_watcher', config: {} } }, xdsServers: [], node: {}, authorities: {} },
};

function encode(typeUrl: string, message: object): { type_url: string; value: Buffer } {
  const type = messageType(messageNameOf(typeUrl));
  return { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(message)).finish()) };
}

describe('proxyless gRPC output', () => {
  it('is accepted by grpc-js-xds validators without a single NACK', () => {
    const { model, proxy } = loadCase(path.resolve(import.meta.dirname, '../../testdata/translate/grpc-proxyless.in.yaml'));
    // The server itself (its server listeners) and a client its AccessPolicy admits (clusters,
    // endpoints, routes: the server's own scope leaves out the service it refuses itself).
    const client = { ...proxy, id: 'client-1', serviceAccount: 'client', identity: proxy.identity.replace(/sa\/[^/]+$/, 'sa/client'), services: [], serverListenerTemplate: undefined };
    const checked = new Map<string, number>();
    for (const p of [proxy, client]) {
      for (const [typeUrl, list] of translate({ model, proxy: p, cache: new TranslationCache() }).resources) {
        for (const r of list) {
          const decoded = decoders[typeUrl]!.decode(context, encode(typeUrl, r.message));
          expect(decoded.error, `${r.name}: ${decoded.error}`).toBeUndefined();
          expect(decoded.name).toBe(r.name);
          checked.set(typeUrl, (checked.get(typeUrl) ?? 0) + 1);
        }
      }
    }
    expect([...checked.keys()].sort()).toEqual(Object.keys(decoders).sort());
    const listeners = (p: typeof proxy) => translate({ model, proxy: p, cache: new TranslationCache() }).resources.get(TypeUrl.Listener)!.map((r) => r.name);
    expect(listeners(proxy)).toEqual(['grpc/server?xds.resource.listening_address=0.0.0.0:50051', 'grpc/server?xds.resource.listening_address=[::]:50051']);
    expect(listeners(client)).toEqual(['greeter.demo.svc.cluster.local:50051']);
  });
});
