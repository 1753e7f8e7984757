import { describe, expect, it } from 'vitest';
import { mapKubeObjects } from '../../src/discovery/index.js';
import { service } from './kube-fixtures.js';

describe('Kubernetes Service addresses', () => {
  const web = service('web', [{ name: 'http', port: 80 }]);
  it('takes the clusterIP as the service address', () => {
    expect(mapKubeObjects({ services: [web], slices: [], pods: [] })[0]!.addresses).toEqual(['10.96.0.10']);
  });
  it('takes every clusterIPs entry of a dual-stack Service', () => {
    const dual = { ...web, spec: { ...web.spec, clusterIPs: ['10.96.0.10', 'fd00::10'] } };
    expect(mapKubeObjects({ services: [dual], slices: [], pods: [] })[0]!.addresses).toEqual(['10.96.0.10', 'fd00::10']);
  });
  it('has no service address for a headless Service', () => {
    const headless = { ...web, spec: { ...web.spec, clusterIP: 'None', clusterIPs: ['None'] } };
    expect(mapKubeObjects({ services: [headless], slices: [], pods: [] })[0]).not.toHaveProperty('addresses');
  });
});
