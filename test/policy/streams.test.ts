import { describe, expect, it } from 'vitest';
import { load, where, wheres, y } from './helpers.js';

const tp = (...lines: string[]) => y('kind: TrafficPolicy', 'service: feed', 'routes:', ...lines);

function routesOf(text: string) {
  const r = load(text);
  if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
  return r.policy.traffic.get('feed.default')?.routes ?? [];
}

describe('request timeout, idle timeout and stream duration are separate route fields (issue 11 #5)', () => {
  it('resolvesTimeoutIdleTimeoutAndMaxStreamDurationToMilliseconds', () => {
    const [r] = routesOf(tp('  - timeout: 0s', '    idleTimeout: 1m', '    maxStreamDuration: 1h', '    websocket: false'));
    expect(r).toMatchObject({ timeoutMs: 0, idleTimeoutMs: 60_000, maxStreamDurationMs: 3_600_000, websocket: false });
  });

  it('leavesUnsetFieldsAbsentSoThePortDecidesTheDefault', () => {
    const [r] = routesOf(tp('  - backends: [{}]'));
    for (const f of ['timeoutMs', 'idleTimeoutMs', 'maxStreamDurationMs', 'websocket']) expect(r).not.toHaveProperty(f);
  });

  it('rejectsAnIdleTimeoutWithoutUnit', () => {
    expect(wheres(tp('  - idleTimeout: 30'))).toEqual(['WEFT1007 routes[0].idleTimeout @ p.yaml:4:18']);
  });

  it('rejectsAMaxStreamDurationThatIsNoDuration', () => {
    expect(wheres(tp('  - maxStreamDuration: forever'))).toEqual(['WEFT1007 routes[0].maxStreamDuration @ p.yaml:4:24']);
  });

  it('rejectsAWebsocketSwitchThatIsNotABoolean', () => {
    expect(wheres(tp('  - websocket: "off"'))).toEqual(['WEFT1004 routes[0].websocket @ p.yaml:4:16']);
  });
});
