/** The locality block: resolution, which block applies to a service, and its diagnostics. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH, appliedLocality, checkPolicyAgainstRegistry, localityMatches, parseLocality } from '../../src/policy/index.js';
import { load, where, y } from './helpers.js';

const od = 'outlierDetection: { consecutive5xx: 2 }';
const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: reviews', ...lines);

describe('locality policy', () => {
  it('resolves failover and distribute rules into locality matches, keeping their order', () => {
    const r = load(tp(od, 'locality:', '  failover:', '    - { from: eu, to: [us-east, "*/zone-c"] }', '    - { from: "*", to: [eu/eu-1a] }'));
    expect(r.diagnostics).toEqual([]);
    const loc = r.ok ? r.policy.traffic.get('reviews.default')!.locality! : undefined!;
    expect(loc.enabled).toBe(true);
    expect(loc.failover).toEqual([
      { from: { region: 'eu', zone: '*' }, to: [{ region: 'us-east', zone: '*' }, { region: '*', zone: 'zone-c' }] },
      { from: { region: '*', zone: '*' }, to: [{ region: 'eu', zone: 'eu-1a' }] },
    ]);
    expect(loc.source).toMatchObject({ file: 'p.yaml', line: 5 });
    const d = load(tp(od, 'locality:', '  distribute:', '    - from: eu/eu-1a', '      to: { eu/eu-1a: 80, eu/eu-1b: 20 }'));
    expect(d.ok && d.policy.traffic.get('reviews.default')!.locality!.distribute).toEqual([
      { from: { region: 'eu', zone: 'eu-1a' }, to: [{ locality: { region: 'eu', zone: 'eu-1a' }, percent: 80 }, { locality: { region: 'eu', zone: 'eu-1b' }, percent: 20 }] },
    ]);
  });

  it('matches locality names with * for any part and text for exactly that part (unset is "")', () => {
    expect(localityMatches(parseLocality('eu'), 'eu', 'eu-1a')).toBe(true);
    expect(localityMatches(parseLocality('eu/*'), 'eu', '')).toBe(true);
    expect(localityMatches(parseLocality('*/z1'), '', 'z1')).toBe(true);
    expect(localityMatches(parseLocality('eu/z1'), 'eu', 'z2')).toBe(false);
    expect(localityMatches(parseLocality('eu'), '', 'z1')).toBe(false);
  });

  it('applies the service\'s block, else the Mesh\'s, else the default only with outlier detection', () => {
    const r = load({ 'm.yaml': y('kind: Mesh', 'locality: { failover: [{ from: eu, to: [us] }] }'),
      'a.yaml': tp(od, 'locality: { enabled: false }'), 'b.yaml': y('kind: TrafficPolicy', 'service: ratings', od) });
    const p = r.ok ? r.policy : undefined!;
    expect(appliedLocality(p.mesh, p.traffic.get('reviews.default'))).toBeUndefined();
    expect(appliedLocality(p.mesh, p.traffic.get('ratings.default'))!.failover).toHaveLength(1);
    expect(appliedLocality(p.mesh, undefined)!.failover).toHaveLength(1);
    expect(appliedLocality(DEFAULT_MESH, p.traffic.get('ratings.default'))).toMatchObject({ enabled: true, failover: [], distribute: [] });
    expect(appliedLocality(DEFAULT_MESH, undefined)).toBeUndefined();
    expect(appliedLocality(DEFAULT_MESH, { outlierDetection: undefined })).toBeUndefined();
  });

  const refused: [string, string, string[]][] = [
    ['a malformed locality name', tp(od, 'locality:', '  failover: [{ from: eu/a/b, to: [us] }]'), ['WEFT2080 locality.failover[0].from @ p.yaml:5:22']],
    ['a * inside a name', tp(od, 'locality:', '  failover: [{ from: eu, to: [u*s] }]'), ['WEFT2080 locality.failover[0].to[0] @ p.yaml:5:31']],
    ['a repeated from', tp(od, 'locality:', '  failover:', '    - { from: eu, to: [us] }', '    - { from: eu/*, to: [ap] }'), ['WEFT2080 locality.failover[1].from @ p.yaml:7:15']],
    ['percentages that do not add up to 100', tp(od, 'locality:', '  distribute:', '    - { from: "*", to: { eu: 70, us: 20 } }'), ['WEFT2081 locality.distribute[0].to @ p.yaml:6:24']],
    ['one locality named twice', tp(od, 'locality:', '  distribute:', '    - { from: "*", to: { eu: 50, eu/*: 50 } }'), ['WEFT2081 locality.distribute[0].to @ p.yaml:6:24']],
    ['failover with distribute', tp(od, 'locality:', '  failover: [{ from: eu, to: [us] }]', '  distribute: [{ from: "*", to: { eu: 100 } }]'), ['WEFT2082 locality.distribute @ p.yaml:6:15']],
    ['rules on a disabled block', tp(od, 'locality: { enabled: false, failover: [{ from: eu, to: [us] }] }'), ['WEFT2082 locality.enabled @ p.yaml:4:22']],
    ['distribute on ring hash', tp(od, 'loadBalancer: ring-hash', 'hashKey: { sourceIp: true }', 'locality: { distribute: [{ from: "*", to: { eu: 100 } }] }'), ['WEFT2084 locality.distribute @ p.yaml:6:25']],
    ['a percent over 100', tp(od, 'locality: { distribute: [{ from: "*", to: { eu: 101 } }] }'), ['WEFT1008 locality.distribute[0].to.eu @ p.yaml:4:49']],
  ];
  it.each(refused)('refuses %s with file:line:col', (_name, text, expected) => {
    const r = load(text);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(expected);
  });

  it('warns (WEFT2083) when a locality block applies to a service without outlier detection, at its block or its document', () => {
    expect(load(tp('locality: { failover: [{ from: eu, to: [us] }] }')).diagnostics.map(where)).toEqual(['WEFT2083 locality @ p.yaml:3:11']);
    const r = load({ 'm.yaml': y('kind: Mesh', 'locality: { enabled: true }'), 'p.yaml': tp('loadBalancer: random') });
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map(where)).toEqual(['WEFT2083  @ p.yaml:1:1']);
    expect(r.diagnostics[0]!.message).toContain('the Mesh locality block (m.yaml:2:11)');
    // The default needs no warning: without outlier detection it does not apply.
    expect(load(tp('loadBalancer: random')).diagnostics).toEqual([]);
    expect(load(tp(od, 'locality: { failover: [{ from: eu, to: [us] }] }')).diagnostics).toEqual([]);
    expect(load(tp('locality: { enabled: false }')).diagnostics).toEqual([]);
  });

  it('warns (WEFT2083, always a warning) at a Mesh block for registry services in several localities without a TrafficPolicy', () => {
    const r = load({ 'm.yaml': y('kind: Mesh', 'locality: { enabled: true }'), 'p.yaml': tp(od) });
    if (!r.ok) throw new Error('fixture must load');
    const two = [{ zone: 'a' }, { zone: 'b' }];
    const services = new Map([['reviews.default', { ports: [{ port: 80 }], endpoints: two }], ['ratings.default', { ports: [{ port: 80 }], endpoints: two }],
      ['details.default', { ports: [{ port: 80 }], endpoints: [{ zone: 'a' }, { zone: 'a' }] }]]);
    const d = checkPolicyAgainstRegistry(r.policy, services);
    expect(d.map(where)).toEqual(['WEFT2083 locality @ m.yaml:2:11']);
    expect(d[0]).toMatchObject({ severity: 'warning' });
    expect(d[0]!.message).toContain('1 service(s) in several localities follow this block without a TrafficPolicy, so without outlierDetection: ratings.default;');
    const off = load({ 'm.yaml': y('kind: Mesh', 'locality: { enabled: false }') });
    expect(off.ok && checkPolicyAgainstRegistry(off.policy, services)).toEqual([]);
  });
});
