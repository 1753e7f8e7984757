import { describe, expect, it } from 'vitest';
import { endpointHealth, mapKubeObjects, portProtocol } from '../../src/discovery/index.js';
import { node, pod, service, slice } from './kube-fixtures.js';

describe('Kubernetes object mapping', () => {
  it.each([
    [{ name: 'web', appProtocol: 'http' }, 'http'],
    [{ name: 'tcp-web', appProtocol: 'grpc' }, 'grpc'],
    [{ name: 'x', appProtocol: 'kubernetes.io/h2c' }, 'http2'],
    [{ name: 'http-api' }, 'http'],
    [{ name: 'http' }, 'http'],
    [{ name: 'http2-api' }, 'http2'],
    [{ name: 'grpc-api' }, 'grpc'],
    [{ name: 'tcp-db' }, 'tcp'],
    [{ name: 'https' }, 'tcp'],
    [{ name: 'mongo', appProtocol: 'mongodb' }, 'tcp'],
    [{}, 'tcp'],
  ] as const)('derives the protocol of %j as %s', (port, expected) => {
    expect(portProtocol(port)).toBe(expected);
  });

  it.each([
    [{ ready: true, serving: true, terminating: false }, 'healthy'],
    [{ ready: false, serving: true, terminating: true }, 'draining'],
    [{ ready: false, serving: false, terminating: true }, 'unhealthy'],
    [{ ready: false, serving: true, terminating: false }, 'unhealthy'],
    [{}, 'healthy'],
    [undefined, 'healthy'],
  ] as const)('maps endpoint conditions %j to %s', (conditions, expected) => {
    expect(endpointHealth(conditions)).toBe(expected);
  });

  it('names an unnamed port, resolves named target ports from the slice, and skips UDP ports', () => {
    const svc = service('dns', [{ port: 53, targetPort: 'dns-tcp' }, { name: 'udp', port: 53, protocol: 'UDP' }]);
    svc.spec!.ports = svc.spec!.ports!.slice(0, 1);
    const [draft] = mapKubeObjects({ services: [svc], slices: [slice('dns-1', 'dns', [{ ip: '10.0.0.5' }], [{ port: 5353 }])], pods: [] });
    expect(draft!.ports).toEqual([{ name: 'port-53', port: 53, targetPort: 53, protocol: 'tcp' }]);
    expect(draft!.endpoints).toEqual([{ address: '10.0.0.5', labels: {}, health: 'healthy', ports: { 'port-53': 5353 } }]);
    const udpOnly = service('syslog', [{ name: 'udp', port: 514, protocol: 'UDP' }]);
    expect(mapKubeObjects({ services: [udpOnly], slices: [], pods: [] })[0]!.ports).toEqual([]);
  });

  it('leaves out ExternalName services and FQDN slices, and dedupes an address listed by two slices', () => {
    const ext = service('ext', [{ name: 'http', port: 80 }]);
    ext.spec!.type = 'ExternalName';
    const web = service('web', [{ name: 'http', port: 80, targetPort: 8080 }]);
    const fqdn = { ...slice('web-f', 'web', [{ ip: 'example.com' }], [{ name: 'http', port: 8080 }]), addressType: 'FQDN' };
    const a = slice('web-a', 'web', [{ ip: '10.0.0.1', pod: 'p1', ready: false, serving: false }], [{ name: 'http', port: 8080 }]);
    const b = slice('web-b', 'web', [{ ip: '10.0.0.1', pod: 'p1' }], [{ name: 'http', port: 8080 }]);
    const drafts = mapKubeObjects({ services: [ext, web], slices: [fqdn, a, b], pods: [pod('p1', { app: 'web' }, '')] });
    expect(drafts.map((d) => d.name)).toEqual(['web']);
    expect(drafts[0]!.endpoints).toEqual([{ address: '10.0.0.1', labels: { app: 'web' }, health: 'healthy', serviceAccount: 'default', instance: 'p1' }]);
    expect(drafts[0]!.serviceAccount).toBe('default');
  });

  it('takes the region from the endpoint\'s node, the zone from the slice (else the node), and ignores node heartbeats', () => {
    const web = service('web', [{ name: 'http', port: 80 }]);
    const s = slice('web-a', 'web', [{ ip: '10.0.0.1', zone: 'eu-1a', node: 'n1' }, { ip: '10.0.0.2', node: 'n2' }, { ip: '10.0.0.3', node: 'gone' }, { ip: '10.0.0.4', zone: 'z' }], [{ name: 'http', port: 80 }]);
    const memo = new WeakMap();
    const map = (nodes: ReturnType<typeof node>[]) => mapKubeObjects({ services: [web], slices: [s], pods: [], nodes }, memo)[0]!;
    const first = map([node('n1', 'eu', 'eu-1b'), node('n2', 'us', 'us-1a')]);
    expect(first.endpoints.map((e) => [e.address, e.region, e.zone])).toEqual([
      ['10.0.0.1', 'eu', 'eu-1a'], ['10.0.0.2', 'us', 'us-1a'], ['10.0.0.3', undefined, undefined], ['10.0.0.4', undefined, 'z'],
    ]);
    // A node's status update is a new object with the same labels: the draft stays.
    expect(map([node('n1', 'eu', 'eu-1b', '2026-01-01T00:05:00Z'), node('n2', 'us', 'us-1a', '2026-01-01T00:05:00Z')])).toBe(first);
    const relabelled = map([node('n1', 'eu', 'eu-1b'), node('n2', 'ap', 'us-1a')]);
    expect(relabelled.endpoints[1]!.region).toBe('ap');
  });

  it('reuses the draft of a service whose service, slices and pods are the same objects', () => {
    const web = service('web', [{ name: 'http', port: 80 }]);
    const other = service('other', [{ name: 'http', port: 80 }]);
    const s = slice('web-a', 'web', [{ ip: '10.0.0.1', pod: 'p1' }], [{ name: 'http', port: 80 }]);
    const p1 = pod('p1', { version: 'v1' }, 'web');
    const memo = new WeakMap();
    const first = mapKubeObjects({ services: [web, other], slices: [s], pods: [p1] }, memo);
    const same = mapKubeObjects({ services: [web, other], slices: [s], pods: [p1] }, memo);
    expect(same[0]).toBe(first[0]);
    const relabelled = mapKubeObjects({ services: [web, other], slices: [s], pods: [pod('p1', { version: 'v2' }, 'web')] }, memo);
    expect(relabelled[0]).not.toBe(first[0]);
    expect(relabelled[0]!.endpoints[0]!.labels.version).toBe('v2');
    expect(relabelled[1]).toBe(first[1]);
  });

  it('takes the service account most of the pods run as', () => {
    const web = service('web', [{ name: 'http', port: 80 }]);
    const s = slice('web-a', 'web', [{ ip: '10.0.0.1', pod: 'p1' }, { ip: '10.0.0.2', pod: 'p2' }, { ip: '10.0.0.3', pod: 'p3' }], [{ name: 'http', port: 80 }]);
    const pods = [pod('p1', {}, 'web-old'), pod('p2', {}, 'web'), pod('p3', {}, 'web')];
    expect(mapKubeObjects({ services: [web], slices: [s], pods })[0]!.serviceAccount).toBe('web');
  });
});
