import { describe, expect, it } from 'vitest';
import { ControlPlaneMetrics } from '../../src/controlplane/metrics.js';
import { TypeUrl, type StreamInfo, type XdsCallbacks } from '../../src/xds/index.js';

function stream(id: number, nodeId: string, agent = 'envoy', identity = 'spiffe://cluster.local/ns/default/sa/reviews'): StreamInfo {
  return {
    id, service: 'ads', delta: false, peer: '127.0.0.1:1', openedAt: 0, secure: true, identity, key: nodeId,
    node: { id: nodeId, cluster: 'c', metadata: {}, userAgentName: agent, userAgentVersion: '1' },
    types: () => [],
  };
}

function setup() {
  let now = 1_000;
  const m = new ControlPlaneMetrics(() => now, { defaultMetrics: false });
  const cb = m.xdsCallbacks() as XdsCallbacks;
  const text = () => m.registry.metrics();
  return { m, cb, text, tick: (ms: number) => (now += ms) };
}

const response = (nonce: string, bytes = 100) => ({ version: 'v1', nonce, names: ['a'], removed: [], bytes });

describe('ControlPlaneMetrics', () => {
  it('counts connected proxies by kind and pushes and bytes by type', async () => {
    const { cb, text } = setup();
    cb.onStreamBound(stream(1, 'a'));
    cb.onStreamBound(stream(2, 'b', 'grpc-node-js'));
    cb.onResponse(stream(1, 'a'), TypeUrl.Cluster, response('n1', 250));
    cb.onResponse(stream(1, 'a'), TypeUrl.Cluster, response('n2', 50));
    const out = await text();
    expect(out).toContain('weft_xds_connected_proxies{kind="envoy"} 1');
    expect(out).toContain('weft_xds_connected_proxies{kind="grpc"} 1');
    expect(out).toContain('weft_xds_pushes_total{type="CDS"} 2');
    expect(out).toContain('weft_xds_response_bytes_total{type="CDS"} 300');
  });

  it('observes push-to-ACK convergence by matching the nonce', async () => {
    const { cb, text, tick } = setup();
    const s = stream(1, 'a');
    cb.onStreamBound(s);
    cb.onResponse(s, TypeUrl.Listener, response('n1'));
    tick(40);
    cb.onAck(s, TypeUrl.Listener, 'v1', 'unknown-nonce');
    cb.onAck(s, TypeUrl.Listener, 'v1', 'n1');
    cb.onAck(s, TypeUrl.Listener, 'v1', 'n1');
    const out = await text();
    expect(out).toContain('weft_xds_push_convergence_seconds_count{type="LDS"} 1');
    expect(out).toContain('weft_xds_push_convergence_seconds_sum{type="LDS"} 0.04');
    expect(out).toContain('weft_xds_push_convergence_seconds_bucket{le="0.05",type="LDS"} 1');
    expect(out).toContain('weft_xds_push_convergence_seconds_bucket{le="0.025",type="LDS"} 0');
  });

  it('counts NACKs and observes no convergence for the rejected response', async () => {
    const { cb, text, tick } = setup();
    const s = stream(1, 'a');
    cb.onResponse(s, TypeUrl.Cluster, response('n1'));
    tick(10);
    cb.onNack(s, TypeUrl.Cluster, { nonce: 'n1', version: 'v1', code: 3, message: 'bad', messageBytes: 3, truncated: false, names: ['a'], quarantined: ['a'], at: 0 });
    cb.onAck(s, TypeUrl.Cluster, 'v0', 'n1');
    const out = await text();
    expect(out).toContain('weft_xds_nacks_total{type="CDS"} 1');
    expect(out).not.toContain('weft_xds_push_convergence_seconds_count{type="CDS"}');
  });

  it('removes per-proxy series when the last stream of a proxy disconnects', async () => {
    const { m, cb, text } = setup();
    const a1 = stream(1, 'a');
    const a2 = stream(2, 'a');
    cb.onStreamBound(a1);
    cb.onStreamBound(a2);
    m.setConfigBytes('a', 3_500_000, 4 * 1024 * 1024);
    m.setCertificateExpiry('spiffe://cluster.local/ns/default/sa/reviews', 1_700_000_000_000);
    expect(await text()).toContain('weft_proxy_config_near_limit{proxy="a"} 1');
    cb.onStreamClose(a1, { code: 0, message: '' });
    expect(await text()).toContain('weft_proxy_config_bytes{proxy="a"} 3500000');
    cb.onStreamClose(a2, { code: 0, message: '' });
    const out = await text();
    expect(out).not.toContain('proxy="a"');
    expect(out).not.toContain('identity="spiffe://');
    expect(out).toContain('weft_xds_connected_proxies{kind="envoy"} 0');
  });

  it('flags config near the message limit only above 75 %', async () => {
    const { m, text } = setup();
    m.setConfigBytes('p', 700, 1000);
    expect(await text()).not.toContain('weft_proxy_config_near_limit{proxy="p"}');
    m.setConfigBytes('p', 760, 1000);
    expect(await text()).toContain('weft_proxy_config_near_limit{proxy="p"} 1');
    m.setConfigBytes('p', 100, 1000);
    expect(await text()).not.toContain('weft_proxy_config_near_limit{proxy="p"}');
  });

  it('records reconciler events: translation, debounce, policy loads, expiry, readiness', async () => {
    const { m, text } = setup();
    m.recordTranslation(12);
    m.recordDebounceMerge(4);
    m.recordPolicyLoad(true);
    m.recordPolicyLoad(false);
    m.setRootExpiry(2_000_000_000_000);
    m.setReady(true);
    const out = await text();
    expect(out).toContain('weft_translation_duration_seconds_sum 0.012');
    expect(out).toContain('weft_debounce_merged_events_total 4');
    expect(out).toContain('weft_policy_loads_total{result="ok"} 1');
    expect(out).toContain('weft_policy_loads_total{result="rejected"} 1');
    expect(out).toContain('weft_ca_root_expiry_timestamp_seconds 2000000000');
    expect(out).toContain('weft_ready 1');
  });

  it('includes default process metrics with the weft_ prefix', async () => {
    const m = new ControlPlaneMetrics();
    expect(await m.registry.metrics()).toContain('weft_process_cpu_user_seconds_total');
  });
});
