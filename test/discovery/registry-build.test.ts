import { describe, expect, it } from 'vitest';
import { EMPTY_REGISTRY, nextRegistry, type ServiceDraft } from '../../src/discovery/registry-build.js';

const draft = (name: string, addresses: string[], version = 'v1'): ServiceDraft => ({
  name,
  namespace: 'default',
  serviceAccount: name,
  ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }],
  endpoints: addresses.map((address) => ({ address, labels: { version, app: name }, health: 'healthy' as const })),
});

describe('nextRegistry', () => {
  it('sorts endpoints by address and deep-freezes everything it publishes', () => {
    const change = nextRegistry(EMPTY_REGISTRY, [draft('a', ['10.0.0.9', '10.0.0.1'])], 'cluster.local')!;
    const svc = change.registry.services.get('a.default')!;
    expect(svc.endpoints.map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.9']);
    expect(Object.keys(svc.endpoints[0]!.labels)).toEqual(['app', 'version']);
    for (const v of [change.registry, svc, svc.ports, svc.ports[0], svc.endpoints, svc.endpoints[0], svc.endpoints[0]!.labels]) {
      expect(Object.isFrozen(v)).toBe(true);
    }
    expect(() => (change.registry.services as Map<string, unknown>).set('x', svc)).toThrow(TypeError);
    expect(() => (change.registry.services as Map<string, unknown>).delete('a.default')).toThrow(TypeError);
    expect(() => (change.changed as Set<string>).add('b.default')).toThrow(TypeError);
    expect(Object.isFrozen(change)).toBe(true);
  });

  it('keeps the identity of unchanged services and names exactly the added, removed and changed keys', () => {
    const first = nextRegistry(EMPTY_REGISTRY, [draft('a', ['10.0.0.1']), draft('b', ['10.0.0.2']), draft('c', ['10.0.0.3'])], 'cluster.local')!;
    const second = nextRegistry(first.registry, [draft('a', ['10.0.0.1']), draft('b', ['10.0.0.2'], 'v2'), draft('d', ['10.0.0.4'])], 'cluster.local')!;
    expect([...second.changed].sort()).toEqual(['b.default', 'c.default', 'd.default']);
    expect(second.registry.services.get('a.default')).toBe(first.registry.services.get('a.default'));
    expect([...second.registry.services.keys()]).toEqual(['a.default', 'b.default', 'd.default']);
  });

  it('publishes services in key order whatever order the drafts come in (ServiceRegistry\'s promise)', () => {
    const change = nextRegistry(EMPTY_REGISTRY, ['svc2', 'svc10', 'a', 'svc1'].map((n) => draft(n, [])), 'cluster.local')!;
    expect([...change.registry.services.keys()]).toEqual(['a.default', 'svc1.default', 'svc10.default', 'svc2.default']);
  });

  it('returns undefined when nothing changed, regardless of input order', () => {
    const first = nextRegistry(EMPTY_REGISTRY, [draft('a', ['10.0.0.1', '10.0.0.2']), draft('b', [])], 'cluster.local')!;
    expect(nextRegistry(first.registry, [draft('b', []), draft('a', ['10.0.0.2', '10.0.0.1'])], 'cluster.local')).toBeUndefined();
  });

  it('derives the version from content only', () => {
    const x = nextRegistry(EMPTY_REGISTRY, [draft('a', ['10.0.0.1'])], 'cluster.local')!;
    const y = nextRegistry(EMPTY_REGISTRY, [draft('a', ['10.0.0.1'])], 'cluster.local')!;
    const z = nextRegistry(EMPTY_REGISTRY, [draft('a', ['10.0.0.2'])], 'cluster.local')!;
    expect(x.registry.version).toBe(y.registry.version);
    expect(x.registry.version).not.toBe(z.registry.version);
    const emptied = nextRegistry(x.registry, [], 'cluster.local')!;
    expect(emptied.registry.version).toBe(EMPTY_REGISTRY.version);
  });
});
