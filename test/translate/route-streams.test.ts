import { describe, expect, it } from 'vitest';
import type { RoutePolicy } from '../../src/model/index.js';
import type { Protocol } from '../../src/discovery/types.js';
import path from 'node:path';
import { TypeUrl } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';
import { firstRoute } from './routes-helpers.js';

/** Every HCM of every listener `name` case's proxy receives. */
function hcms(name: string): Record<string, any>[] {
  const { model, proxy } = loadCase(path.resolve(import.meta.dirname, `../../testdata/translate/${name}.in.yaml`));
  const r = translate({ model, proxy, cache: new TranslationCache() });
  const listeners = (r.resources.get(TypeUrl.Listener) ?? []).map((l) => l.message as Record<string, any>);
  const inChains = listeners.flatMap((l) => (l.filter_chains ?? []).flatMap((c: any) => c.filters.map((f: any) => f.typed_config)));
  const api = listeners.flatMap((l) => (l.api_listener ? [l.api_listener.api_listener] : []));
  return [...inChains, ...api].filter((t) => String(t['@type']).endsWith('HttpConnectionManager'));
}

const s = (seconds: number) => ({ seconds, nanos: 0 });
const WS_OFF = [{ upgrade_type: 'websocket', enabled: { value: false } }];

interface Case { name: string; route: RoutePolicy; protocol?: Protocol; kind?: 'envoy' | 'grpc'; want: Record<string, unknown>; absent?: string[] }

const cases: Case[] = [
  { name: 'httpPortGetsTheMeshDefaultRequestTimeoutAndNoStreamCap', route: {},
    want: { timeout: s(15) }, absent: ['max_stream_duration', 'idle_timeout', 'upgrade_configs'] },
  { name: 'httpRouteTimeoutIsTheRequestTimeoutOnly', route: { timeoutMs: 3000 },
    want: { timeout: s(3) }, absent: ['max_stream_duration'] },
  { name: 'sseRouteDisablesTheRequestTimeoutAndKeepsAnIdleTimeout', route: { timeoutMs: 0, idleTimeoutMs: 60_000 },
    want: { timeout: s(0), idle_timeout: s(60) }, absent: ['max_stream_duration'] },
  { name: 'maxStreamDurationIsSentOnlyWhenAsked', route: { maxStreamDurationMs: 600_000 },
    want: { timeout: s(15), max_stream_duration: { max_stream_duration: s(600) } } },
  { name: 'zeroMaxStreamDurationMeansNoLimit', route: { maxStreamDurationMs: 0 },
    want: { timeout: s(15) }, absent: ['max_stream_duration'] },
  { name: 'websocketFalseDisablesTheUpgradeOnTheRoute', route: { websocket: false },
    want: { upgrade_configs: WS_OFF } },
  { name: 'grpcPortHasNoRequestTimeoutAndHonoursTheCallerDeadline', route: {}, protocol: 'grpc',
    want: { timeout: s(0), max_stream_duration: { grpc_timeout_header_max: s(0) }, upgrade_configs: WS_OFF } },
  { name: 'grpcPortCapsTheCallerDeadlineAtMaxStreamDuration', route: { maxStreamDurationMs: 3_600_000 }, protocol: 'grpc',
    want: { timeout: s(0), max_stream_duration: { max_stream_duration: s(3600), grpc_timeout_header_max: s(3600) } } },
  { name: 'http2PortIsStreamingSafeByDefault', route: {}, protocol: 'http2',
    want: { timeout: s(0), max_stream_duration: { grpc_timeout_header_max: s(0) }, upgrade_configs: WS_OFF } },
  { name: 'grpcPortWebsocketTrueStaysOffBecauseHttp2HasNoUpgrade', route: { websocket: true }, protocol: 'grpc',
    want: { upgrade_configs: WS_OFF } },
  { name: 'proxylessGrpcGetsNoDeadlineCapByDefault', route: {}, kind: 'grpc', protocol: 'grpc',
    want: { timeout: s(0) }, absent: ['max_stream_duration', 'upgrade_configs', 'idle_timeout'] },
  { name: 'proxylessGrpcCarriesTheRequestTimeoutAsMaxStreamDuration', route: { timeoutMs: 2000 }, kind: 'grpc', protocol: 'grpc',
    want: { max_stream_duration: { max_stream_duration: s(2) } } },
  { name: 'proxylessGrpcTakesTheShorterOfTimeoutAndMaxStreamDuration', route: { timeoutMs: 9000, maxStreamDurationMs: 5000 }, kind: 'grpc', protocol: 'grpc',
    want: { max_stream_duration: { max_stream_duration: s(5) } } },
  { name: 'proxylessGrpcOnAnHttpPortIsStillStreamingSafe', route: {}, kind: 'grpc', protocol: 'http',
    want: { timeout: s(0) }, absent: ['max_stream_duration'] },
];

describe('route timeouts and upgrades: request timeout, idle timeout and stream duration are separate', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { envoy } = firstRoute([c.route], { protocol: c.protocol, kind: c.kind });
      expect(envoy?.route).toMatchObject(c.want);
      for (const field of c.absent ?? []) expect(envoy?.route).not.toHaveProperty(field);
    });
  }

  it('proxylessGrpcNeverGetsGrpcTimeoutHeaderMax (grpc-js reads 0 there as no cap and skips max_stream_duration)', () => {
    for (const route of [{}, { timeoutMs: 1000 }, { maxStreamDurationMs: 1000 }]) {
      const { envoy } = firstRoute([route], { kind: 'grpc', protocol: 'grpc' });
      expect(envoy?.route.max_stream_duration?.grpc_timeout_header_max).toBeUndefined();
    }
  });

  it('proxylessGrpcWarnsThatIdleTimeoutIsIgnored', () => {
    const { result, envoy } = firstRoute([{ idleTimeoutMs: 1000 }], { kind: 'grpc', protocol: 'grpc' });
    expect(result.diagnostics.map((d) => [d.code, d.path])).toEqual([['WEFT4104', 'routes[0].idleTimeout']]);
    expect(envoy?.route).not.toHaveProperty('idle_timeout');
  });
});

describe('WebSocket upgrades reach the application', () => {
  it('sidecarHcmsAllowWebsocketUpgradesInboundAndOutbound (without it Envoy answers 403 to Upgrade)', () => {
    const all = hcms('bookinfo');
    expect(all.length).toBeGreaterThan(2);
    for (const h of all) expect(h.upgrade_configs).toEqual([{ upgrade_type: 'websocket' }]);
  });

  it('proxylessGrpcHcmsCarryNoUpgradeConfig', () => {
    const all = hcms('streams-grpc');
    expect(all.length).toBeGreaterThan(0);
    for (const h of all) expect(h).not.toHaveProperty('upgrade_configs');
  });
});
