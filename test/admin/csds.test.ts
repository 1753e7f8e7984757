import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { decodeToObject } from '../../proto/codec.js';
import { csdsService } from '../../src/controlplane/csds.js';
import { XdsServer } from '../../src/xds/index.js';
import { fakeView } from './fake-view.js';

type Plain = Record<string, any>;

let server: XdsServer;
let client: grpc.Client;
const { definition } = csdsService(fakeView({ leakKey: true }), { allowUnauthenticated: true });
const fetchMethod = definition.FetchClientStatus as grpc.MethodDefinition<Plain, Plain>;
const streamMethod = definition.StreamClientStatus as grpc.MethodDefinition<Plain, Plain>;

beforeAll(async () => {
  server = new XdsServer();
  const csds = csdsService(fakeView({ leakKey: true }), { allowUnauthenticated: true });
  server.addService(csds.definition, csds.implementation);
  const port = await server.listen(0, '127.0.0.1');
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await server.close(100);
});

function fetchStatus(request: Plain): Promise<Plain> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(fetchMethod.path, fetchMethod.requestSerialize, fetchMethod.responseDeserialize, request, (err, res) => (err ? reject(err) : resolve(res!)));
  });
}

const byName = (configs: Plain[], name: string) => configs.find((c) => c.name === name)!;

describe('CSDS', () => {
  it('reports every proxy with per-resource status over FetchClientStatus', async () => {
    const res = await fetchStatus({});
    expect(res.config.map((c: Plain) => c.node.id)).toEqual(['reviews-v1-7f9c.default', 'ratings-grpc-1']);
    const reviews = res.config[0].generic_xds_configs as Plain[];
    const listener = byName(reviews, 'reviews.default.svc.cluster.local:9080');
    expect(listener).toMatchObject({ type_url: 'type.googleapis.com/envoy.config.listener.v3.Listener', config_status: 'SYNCED', version_info: 'LDS-v1' });
    const decoded = decodeToObject('envoy.config.listener.v3.Listener', listener.xds_config.value);
    expect(decoded.name).toBe('reviews.default.svc.cluster.local:9080');
  });

  it('marks the NACKed cluster ERROR with the message, policy source and rejected content', async () => {
    const res = await fetchStatus({ node_matchers: [{ node_id: { exact: 'ratings-grpc-1' } }] });
    expect(res.config).toHaveLength(1);
    const cluster = byName(res.config[0].generic_xds_configs, 'outbound|9080||reviews.default.svc.cluster.local');
    expect(cluster.config_status).toBe('ERROR');
    expect(cluster.client_status).toBe('NACKED');
    expect(cluster.error_state.details).toContain('ring_hash requires a hash policy');
    expect(cluster.error_state.details).toContain('policies/reviews.yaml:12:3');
    expect(cluster.error_state.version_info).toBe('c3');
    const failed = decodeToObject('envoy.config.cluster.v3.Cluster', cluster.error_state.failed_configuration.value);
    expect(failed.lb_policy).toBe('RING_HASH');
    const acked = decodeToObject('envoy.config.cluster.v3.Cluster', cluster.xds_config.value);
    expect(acked.lb_policy).toBeUndefined();
  });

  it('never sends secret contents, and omits all contents when asked', async () => {
    const res = await fetchStatus({ node_matchers: [{ node_id: { exact: 'reviews-v1-7f9c.default' } }] });
    const secrets = (res.config[0].generic_xds_configs as Plain[]).filter((c) => c.type_url.endsWith('Secret'));
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.xds_config).toBeUndefined();
    const bare = await fetchStatus({ exclude_resource_contents: true });
    for (const c of bare.config.flatMap((x: Plain) => x.generic_xds_configs)) expect(c.xds_config).toBeUndefined();
  });

  it('matches no proxy for an unknown node id', async () => {
    const res = await fetchStatus({ node_matchers: [{ node_id: { exact: 'nobody' } }] });
    expect(res.config ?? []).toEqual([]);
  });

  it('answers each request on StreamClientStatus', async () => {
    const call = client.makeBidiStreamRequest(streamMethod.path, streamMethod.requestSerialize, streamMethod.responseDeserialize);
    const responses: Plain[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (r: Plain) => {
        responses.push(r);
        if (responses.length === 2) call.end();
      });
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({ node_matchers: [{ node_id: { exact: 'ratings-grpc-1' } }] });
    call.write({ node_matchers: [{ node_id: { prefix: 'reviews-' } }] });
    await done;
    expect(responses.map((r) => r.config[0].node.id)).toEqual(['ratings-grpc-1', 'reviews-v1-7f9c.default']);
  });

  it('refuses callers without a certificate unless allowed', async () => {
    const strict = new XdsServer();
    const csds = csdsService(fakeView());
    strict.addService(csds.definition, csds.implementation);
    const port = await strict.listen(0, '127.0.0.1');
    const c = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      c.makeUnaryRequest(fetchMethod.path, fetchMethod.requestSerialize, fetchMethod.responseDeserialize, {}, (e) => resolve(e!));
    });
    c.close();
    await strict.close(100);
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
  });
});
