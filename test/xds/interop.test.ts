/**
 * Interop with a real, strict xDS client: @grpc/grpc-js-xds resolves `xds:///` targets through
 * weft, and its calls land where the served configuration says.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, tally, who, xdsBootstrap } from './backends.js';
import { T, apiListener, cluster, endpoints, route, startServer } from './harness.js';
import { eventually } from '../support/eventually.js';

grpcXds.register();

type Harness = Awaited<ReturnType<typeof startServer>>;
let h: Harness;
let backends: Awaited<ReturnType<typeof startBackend>>[];
const acks: string[] = [];
const nacks: string[] = [];

function mesh(weights: [string, number][], ports: Record<string, number>) {
  return {
    [T.Listener]: [apiListener('echo.test:80', 'echo-route')],
    [T.RouteConfiguration]: [route('echo-route', 'echo.test:80', weights)],
    [T.Cluster]: Object.keys(ports).map((n) => cluster(n, { lb_policy: 'ROUND_ROBIN' })),
    [T.ClusterLoadAssignment]: Object.entries(ports).map(([n, p]) => endpoints(n, [['127.0.0.1', p]])),
  };
}

beforeAll(async () => {
  h = await startServer({
    callbacks: {
      onAck: (_s, t) => acks.push(t),
      onNack: (_s, t, n) => nacks.push(`${t}: ${n.message}`),
    },
  });
  backends = await Promise.all(['one', 'two', 'three'].map(startBackend));
});
afterAll(async () => {
  await h.stop();
  await Promise.all(backends.map((b) => b.stop()));
});

function xdsClient(nodeId: string): grpc.Client {
  return new grpc.Client('xds:///echo.test:80', grpc.credentials.createInsecure(), {
    'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': xdsBootstrap(h.port, nodeId),
  });
}

describe('grpc-js-xds client through weft', () => {
  it('routes calls by the served weights and follows weight changes and endpoint moves', async () => {
    const [one, two, three] = backends as [typeof backends[0], typeof backends[0], typeof backends[0]];
    h.set('node-a', mesh([['c1', 1]], { c1: one.port, c2: two.port }));
    const client = xdsClient('node-a');
    expect(await tally(client, 20)).toEqual({ one: 20 });

    h.set('node-a', mesh([['c2', 1]], { c1: one.port, c2: two.port }));
    await eventually(async () => expect(await who(client)).toBe('two'));
    expect(await tally(client, 20)).toEqual({ two: 20 });

    h.set('node-a', mesh([['c1', 50], ['c2', 50]], { c1: one.port, c2: two.port }));
    await eventually(async () => {
      const t = await tally(client, 200);
      expect(t.one).toBeGreaterThan(60);
      expect(t.two).toBeGreaterThan(60);
    });

    // Move c2's endpoint to the third backend: EDS alone changes.
    h.set('node-a', mesh([['c2', 1]], { c1: one.port, c2: three.port }));
    await eventually(async () => expect(await tally(client, 10)).toEqual({ three: 10 }));
    expect(nacks).toEqual([]);
    expect(acks.length).toBeGreaterThan(4);
    client.close();
  });

  it('reports a resource the client rejects as a NACK and keeps serving the accepted config', async () => {
    const [one, two] = backends as [typeof backends[0], typeof backends[0]];
    h.set('node-b', mesh([['c1', 1]], { c1: one.port, c2: two.port }));
    const client = xdsClient('node-b');
    expect(await who(client)).toBe('one');
    // grpc-js-xds rejects a route whose weighted clusters sum to zero.
    h.set('node-b', mesh([['c1', 0], ['c2', 0]], { c1: one.port, c2: two.port }));
    await eventually(async () => expect(nacks.some((n) => n.startsWith(T.RouteConfiguration))).toBe(true));
    expect(await tally(client, 10)).toEqual({ one: 10 });
    client.close();
  });

  it('pins a real client NACK on the cluster it points at by index, and the valid cluster keeps working', async () => {
    const [one, two] = backends as [typeof backends[0], typeof backends[0]];
    const routed = mesh([['c1', 1], ['c2', 1]], { c1: one.port, c2: two.port });
    // grpc-js-xds accepts c1 and rejects c2 ("resource index 1: ... unsupported lb_policy: MAGLEV").
    const partlyBad = (port: number) => ({
      ...routed,
      [T.Cluster]: [cluster('c1', { lb_policy: 'ROUND_ROBIN' }), cluster('c2', { lb_policy: 'MAGLEV' })],
      [T.ClusterLoadAssignment]: [endpoints('c1', [['127.0.0.1', port]])],
    });
    // No clusters yet, so the first response that has any carries both, and none was accepted.
    h.set('node-c', { ...routed, [T.Cluster]: [] });
    const client = xdsClient('node-c');
    void who(client, undefined, 500); // a channel subscribes on its first call
    const cds = () => h.server.streams().find((s) => s.node?.id === 'node-c')?.types().find((t) => t.typeUrl === T.Cluster);
    await eventually(() => expect(cds()?.subscribed).toEqual(['c1', 'c2']));
    h.set('node-c', partlyBad(one.port));
    await eventually(() => expect(cds()?.lastNack?.message).toContain('[resource index 1: '));
    // Both were suspects (neither accepted); the client's message pins the NACK on c2 alone.
    expect([cds()!.lastNack!.names, cds()!.lastNack!.quarantined]).toEqual([['c1', 'c2'], ['c2']]);
    // An endpoints change comes after anything the NACK made weft send, on the same stream.
    h.set('node-c', partlyBad(two.port));
    await eventually(async () => expect(await who(client)).toBe('two'));
    // c1 keeps working; calls that the route sends to c2 fail with the client's own reason.
    const t = await tally(client, 40);
    expect(t.two).toBeGreaterThan(0);
    expect(Object.keys(t).filter((k) => k !== 'two').every((k) => k.includes('unsupported lb_policy: MAGLEV'))).toBe(true);
    client.close();
  });
});
