/**
 * Every proxyless gRPC golden case is accepted by @grpc/grpc-js-xds' own resource validators (the
 * code a real gRPC client runs on each response): the counterpart of golden-envoy.test.ts. The
 * cases' translations are the goldens' source (golden.test.ts pins them to the files).
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../../proto/index.js';
import { TypeUrl, messageNameOf } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadGoldenCase } from './golden-case.js';

type Decoder = { decode(ctx: unknown, any: unknown): { name: string; error?: string } };

// gRPC's RBAC support is behind a flag; weft's server listeners require it (RBAC is never optional).
process.env.GRPC_XDS_EXPERIMENTAL_RBAC = 'true';
const require = createRequire(import.meta.url);
const base = '@grpc/grpc-js-xds/build/src/xds-resource-type';
const root = path.resolve(import.meta.dirname, '../../testdata/golden');
let decoders: Record<string, Decoder>;

beforeAll(() => {
  // The client's HTTP filters (fault, RBAC, router) are registered by the package's register().
  require('@grpc/grpc-js-xds').register();
  const get = (file: string, cls: string): Decoder => (require(`${base}/${file}`) as Record<string, { get(): Decoder }>)[cls]!.get();
  decoders = {
    [TypeUrl.Listener]: get('listener-resource-type.js', 'ListenerResourceType'),
    [TypeUrl.Cluster]: get('cluster-resource-type.js', 'ClusterResourceType'),
    [TypeUrl.RouteConfiguration]: get('route-config-resource-type.js', 'RouteConfigurationResourceType'),
    [TypeUrl.ClusterLoadAssignment]: get('endpoint-resource-type.js', 'EndpointResourceType'),
  };
});

const context = {
  server: { serverUri: 'localhost:18000', channelCredentials: { type: 'insecure' }, serverFeatures: [] },
  bootstrap: { certificateProviders: { default: { pluginName: 'file_watcher', config: {} } }, xdsServers: [], node: {}, authorities: {} },
};

/** Cases whose node is a gRPC library (weft's own proxyKind rule: a user agent naming grpc, not envoy). */
const grpcCases = readdirSync(root).filter((name) => {
  const file = path.join(root, name, 'proxy.yaml');
  const ua = existsSync(file) ? String((parse(readFileSync(file, 'utf8')) as { userAgentName?: unknown }).userAgentName).toLowerCase() : '';
  return ua !== 'envoy' && ua.includes('grpc');
}).sort();

describe('proxyless gRPC golden cases', () => {
  it('every gRPC case is accepted by the grpc-js-xds validators, resource by resource', async () => {
    const rejected: string[] = [];
    let checked = 0;
    for (const name of grpcCases) {
      const c = await loadGoldenCase(path.join(root, name));
      expect(c.proxy.kind, name).toBe('grpc');
      for (const [typeUrl, list] of translate({ model: c.model, proxy: c.proxy, cache: new TranslationCache() }).resources) {
        const type = messageType(messageNameOf(typeUrl));
        for (const r of list) {
          const decoded = decoders[typeUrl]!.decode(context, { type_url: typeUrl, value: Buffer.from(type.encode(type.fromObject(r.message)).finish()) });
          checked++;
          if (decoded.error || decoded.name !== r.name) rejected.push(`${name}: ${r.name}: ${decoded.error ?? `decoded as ${decoded.name}`}`);
        }
      }
    }
    expect(grpcCases.length).toBeGreaterThanOrEqual(5);
    expect(checked).toBeGreaterThan(40);
    expect(rejected).toEqual([]);
  });
});
