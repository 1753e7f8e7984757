/**
 * The go-control-plane peer as a fan-out target: the same resources as weft and the floor
 * (encoded here with protobufjs, decoded by the peer into Go messages), one group shared by every
 * node id, and a round's change as an `update` of one route configuration.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { messageType } from '../proto/index.js';
import { TypeUrl, messageNameOf } from '../proto/type-urls.js';
import type { MeshConfig, NamedMessage, ResourceSet } from './_config.js';
import { GoPeer, resourceFile, type EncodedGroup } from './_gocp.js';
import { sleep } from './_stats.js';
import type { FanoutTarget, ServerProbe } from './_targets.js';

export function encodeValue(typeUrl: string, r: NamedMessage): Uint8Array {
  const type = messageType(messageNameOf(typeUrl));
  return type.encode(type.fromObject(r.message)).finish();
}

export function encodeGroup(resources: ResourceSet): EncodedGroup {
  return Object.fromEntries(Object.entries(resources).map(([t, list]) => [t, (list ?? []).map((r) => ({ name: r.name, value: encodeValue(t, r) }))]));
}

/** RSS of another process from /proc (MiB); 0 once it is gone. */
export function procRssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU and memory of a running peer. */
export function peerProbe(peer: () => GoPeer | undefined): ServerProbe {
  return {
    cpuSeconds: async () => ((await peer()?.stats())?.cpu_us ?? 0) / 1e6,
    rssMb: () => procRssMb(peer()?.pid),
    settledRssMb: async () => {
      await peer()?.gc();
      await sleep(200);
      return procRssMb(peer()?.pid);
    },
  };
}

export function gocpTarget(config: MeshConfig, binary: string): FanoutTarget {
  let peer: GoPeer | undefined;
  let versions = Object.values(config.resources).reduce((n, l) => n + (l?.length ?? 0), 0);
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-gocp-'));
  return {
    ...peerProbe(() => peer),
    name: 'go-control-plane',
    async start(nodeIds) {
      peer = await GoPeer.start(binary);
      const file = path.join(dir, 'resources.json');
      resourceFile(file, [encodeGroup(config.resources)], Object.fromEntries(nodeIds.map((id) => [id, 0])));
      await peer.load(file);
      return peer.port;
    },
    async change(round) {
      const route = config.changedRoute(round);
      versions++;
      await peer!.update(TypeUrl.RouteConfiguration, route.name, encodeValue(TypeUrl.RouteConfiguration, route));
    },
    stats: () => ({ bytesEncoded: 0, bytesSent: null, encodes: null, resourceVersions: versions }),
    async close() {
      await peer?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
