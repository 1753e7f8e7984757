import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: web', 'routes:', ...lines);

describe('header rewrites Envoy would refuse are refused at validation (issue 11 #6)', () => {
  it('refusesAddingHostWithItsOwnCodeAndPosition', () => {
    const r = load(tp('  - requestHeaders: { add: { host: example.com } }'));
    expect(r.diagnostics.map(where)).toEqual(['WEFT1023 routes[0].requestHeaders.add.host @ p.yaml:4:30']);
    expect(r.diagnostics[0]?.message).toContain('rewriting the host is not supported');
    expect(r.ok).toBe(false);
  });

  it('refusesRemovingHostInAnyCaseFromResponses', () => {
    expect(wheres(tp('  - responseHeaders: { remove: [x-debug, Host] }'))).toEqual(['WEFT1023 routes[0].responseHeaders.remove[1] @ p.yaml:4:42']);
  });

  it('refusesPseudoHeadersNamingTheRedirectAlternativeForPath', () => {
    const r = load(tp('  - requestHeaders:', '      add: { ":path": /x }', '      remove: [":authority"]'));
    expect(r.diagnostics.map(where)).toEqual([
      'WEFT1023 routes[0].requestHeaders.add[":path"] @ p.yaml:5:14',
      'WEFT1023 routes[0].requestHeaders.remove[0] @ p.yaml:6:16',
    ]);
    expect(r.diagnostics[0]?.message).toContain('redirect with path');
    expect(r.diagnostics[1]?.message).toContain('rewriting the host is not supported');
  });

  it('refusesHeaderValuesWithLineBreaks', () => {
    expect(wheres(tp('  - requestHeaders: { add: { x-a: "one\\r\\ntwo" } }'))).toEqual(['WEFT1012 routes[0].requestHeaders.add["x-a"] @ p.yaml:4:35']);
  });

  it('acceptsPercentSignsAsLiteralValues', () => {
    const r = load(tp('  - responseHeaders: { add: { x-share: "50%", x-fmt: "%DOWNSTREAM_REMOTE_ADDRESS%" } }'));
    expect(r.diagnostics).toEqual([]);
    if (!r.ok) throw new Error('must load');
    expect(r.policy.traffic.get('web.default')?.routes[0]?.responseHeaders?.add).toEqual({ 'x-share': '50%', 'x-fmt': '%DOWNSTREAM_REMOTE_ADDRESS%' });
  });
});
