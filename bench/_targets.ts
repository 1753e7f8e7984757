/**
 * The servers a fan-out run measures, behind one small interface: weft's `XdsServer` (snapshot
 * cache, one shared `ResourceEncoder`), the bare grpc-js transport floor (both in this process on
 * 127.0.0.1 with an ephemeral port, so CPU and memory are this process's), and the
 * go-control-plane peer (`_gocp-target.ts`, a child process whose CPU and memory it reports).
 */
import { TypeUrl } from '../proto/type-urls.js';
import type { MeshConfig, ResourceSet } from './_config.js';
import { FloorServer } from './_floor-server.js';
import { forceGc, rssMb, sleep } from './_stats.js';

export type TargetName = 'weft' | 'floor' | 'go-control-plane';

export interface TargetStats {
  bytesEncoded: number;
  bytesSent: number | null;
  /** Protobuf encodings of resources, and distinct resource versions handed to the server. */
  encodes: number | null;
  resourceVersions: number;
}

/** CPU and memory of a server under test, wherever it runs. */
export interface ServerProbe {
  /** CPU-seconds the server's process has used so far. */
  cpuSeconds(): Promise<number>;
  /** Resident set now, MiB (cheap: sampled every 50 ms for the peak). */
  rssMb(): number;
  /** Resident set after a full GC that returned freed memory, MiB. */
  settledRssMb(): Promise<number>;
}

export interface FanoutTarget extends ServerProbe {
  readonly name: TargetName;
  /** Starts the server with the initial config for `nodeIds`; resolves with the bound port. */
  start(nodeIds: readonly string[]): Promise<number>;
  /** Publishes round `round`'s change of one route configuration to every proxy. */
  change(round: number): void | Promise<void>;
  stats(): TargetStats;
  close(): Promise<void>;
}

/** The probe for a server in this process. */
export const inProcess: ServerProbe = {
  cpuSeconds: async () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1e6;
  },
  rssMb,
  settledRssMb: async () => {
    forceGc();
    await sleep(200);
    forceGc();
    return rssMb();
  },
};

/** Where the xDS server lives; a module specifier so this file compiles before it exists. */
export const xdsModulePath = '../src/xds/index.js';

/** Distinct message objects in a resource set (what an identity-memoised encoder may encode). */
function countResources(resources: ResourceSet): number {
  return Object.values(resources).reduce((n, list) => n + (list?.length ?? 0), 0);
}

function withRoute(resources: ResourceSet, route: { name: string; message: object }): ResourceSet {
  const routes = (resources[TypeUrl.RouteConfiguration] ?? []).map((r) => (r.name === route.name ? route : r));
  return { ...resources, [TypeUrl.RouteConfiguration]: routes };
}

export async function weftTarget(config: MeshConfig): Promise<FanoutTarget> {
  const xds = (await import(xdsModulePath)) as typeof import('../src/xds/index.js');
  const encoder = new xds.ResourceEncoder();
  let bytesSent = 0;
  const server = new xds.XdsServer({
    callbacks: { onResponse: (_s, _t, info) => void (bytesSent += info.bytes) },
  });
  let resources = config.resources;
  let versions = countResources(resources);
  let ids: readonly string[] = [];
  const publish = (): void => {
    const snapshot = xds.buildSnapshot(encoder, resources);
    for (const id of ids) server.cache.set(id, snapshot);
  };
  return {
    ...inProcess,
    name: 'weft',
    async start(nodeIds) {
      ids = nodeIds;
      publish();
      return server.listen(0, '127.0.0.1');
    },
    change(round) {
      resources = withRoute(resources, config.changedRoute(round));
      versions++;
      publish();
    },
    stats: () => ({ bytesEncoded: encoder.bytesEncoded, bytesSent, encodes: encoder.encodeCount, resourceVersions: versions }),
    close: () => server.close(),
  };
}

export function floorTarget(config: MeshConfig): FanoutTarget {
  const server = new FloorServer(config.resources);
  let versions = countResources(config.resources);
  return {
    ...inProcess,
    name: 'floor',
    start: () => server.listen(0, '127.0.0.1'),
    change(round) {
      server.push(TypeUrl.RouteConfiguration, [config.changedRoute(round)]);
      versions++;
    },
    stats: () => ({ bytesEncoded: server.bytesEncoded, bytesSent: server.bytesSent, encodes: null, resourceVersions: versions }),
    close: () => server.close(),
  };
}
