/**
 * Scope is derived from AccessPolicy too (issue 13): a proxy is not sent a service whose policies
 * refuse its identity every request, and is sent every service that admits some of its requests.
 */
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import type { AccessPolicy, MeshModel, ProxyDescription, Service } from '../../src/model/index.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { deniedServices } from '../../src/translate/scope.js';
import { baseModel } from './random-mesh.js';

const caller = { namespace: 'frontend', serviceAccount: 'web', identity: 'spiffe://cluster.local/ns/frontend/sa/web' };
const svc = (key: string): Service => ({ key, name: key.split('.')[0]!, namespace: key.split('.')[1]!, hostname: `${key}.svc.cluster.local`, serviceAccount: 'x', ports: [], endpoints: [] });
const policy = (service: string, action: 'allow' | 'deny', rules: AccessPolicy['rules']): AccessPolicy => ({ service, action, rules });

describe('scope narrowed by AccessPolicy', () => {
  const cases: [string, AccessPolicy[], boolean][] = [
    ['no policy', [], false],
    ['allow naming another caller', [policy('a.x', 'allow', [{ from: [{ serviceAccount: 'api.backend' }] }])], true],
    ['allow naming the caller by service account', [policy('a.x', 'allow', [{ from: [{ serviceAccount: 'web.frontend' }] }])], false],
    ['allow naming its namespace', [policy('a.x', 'allow', [{ from: [{ namespace: 'frontend' }] }])], false],
    ['allow naming its SPIFFE ID', [policy('a.x', 'allow', [{ from: [{ identity: caller.identity }] }])], false],
    ['allow with a principal whose fields contradict the caller', [policy('a.x', 'allow', [{ from: [{ namespace: 'frontend', serviceAccount: 'web.other' }] }])], true],
    ['allow without from (any authenticated caller)', [policy('a.x', 'allow', [{ to: { methods: ['GET'] } }])], false],
    ['allow with no rules', [policy('a.x', 'allow', [])], true],
    ['deny of the caller, whole service', [policy('a.x', 'deny', [{ from: [{ namespace: 'frontend' }] }])], true],
    ['deny of everyone, whole service', [policy('a.x', 'deny', [{}])], true],
    ['deny of the caller on some paths only', [policy('a.x', 'deny', [{ from: [{ namespace: 'frontend' }], to: { paths: ['/admin'] } }])], false],
    ['deny of another caller', [policy('a.x', 'deny', [{ from: [{ namespace: 'untrusted' }] }])], false],
  ];
  for (const [name, policies, refused] of cases) {
    it(`${refused ? 'leaves out' : 'keeps'} a service with ${name}`, () => {
      expect(deniedServices([svc('a.x')], new Map([['a.x', policies]]), caller)).toEqual(refused ? ['a.x'] : []);
    });
  }

  it('leaves a refused service out of the proxy\'s resources and reports it in its reads', () => {
    const model = baseModel();
    const client: ProxyDescription = { id: 'client', kind: 'envoy', namespace: 'backend', serviceAccount: 'client', identity: 'spiffe://cluster.local/ns/backend/sa/client',
      labels: {}, ips: [], interception: 'iptables', services: [] };
    const refuse: MeshModel = { ...model, policy: { ...model.policy, access: new Map([['ratings.default', [policy('ratings.default', 'allow', [{ from: [{ serviceAccount: 'reviews.default' }] }])]]]) } };
    const clusters = (m: MeshModel) => translate({ model: m, proxy: client, cache: new TranslationCache() }).resources.get(TypeUrl.Cluster)!.map((c) => c.name).filter((n) => n.includes('ratings'));
    expect(clusters(model).length).toBeGreaterThan(0);
    expect(clusters(refuse)).toEqual([]);
    const r = translate({ model: refuse, proxy: client, cache: new TranslationCache() });
    expect(r.reads.scope.denied).toEqual(['ratings.default']);
    expect(r.reads.scope.keys).toContain('ratings.default');
    // Under permissive mTLS nothing is left out: the traffic would go out in plaintext instead.
    const permissive: MeshModel = { ...refuse, policy: { ...refuse.policy, mesh: { ...refuse.policy.mesh, mtls: 'permissive' } } };
    expect(clusters(permissive).length).toBeGreaterThan(0);
  });
});
