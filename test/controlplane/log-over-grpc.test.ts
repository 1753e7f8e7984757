/**
 * Issue 10 #11 against the running server: a hostile plaintext client with terminal escapes and
 * bidi controls in its node id, and a NACK whose `error_detail` is most of a megabyte, over real
 * gRPC. Every line weft logs stays short, escaped and on one line.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/controlplane/index.js';
import { LOG_FIELD_LIMIT } from '../../src/controlplane/log.js';
import { startWeft, type RunningWeft } from '../../src/cli/run.js';
import { RawClient, T, node } from '../xds/harness.js';
import { writeMesh } from './mesh.js';
import { eventually } from '../support/eventually.js';

const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_ID = 'frontend-1\u001b[2J\u001b]0;owned\u0007\u202egnp.exe\u2066';
const NACK_BYTES = 600_000;

let weft: RunningWeft;
let channel: grpc.Client;
const log = memoryLogger();
const opened: RawClient[] = [];

beforeAll(async () => {
  const mesh = await writeMesh({ v1: 50001, v2: 50002 });
  weft = await startWeft({
    policyDir: mesh.policyDir,
    registry: { kind: 'static', file: mesh.registryFile },
    stateDir: mesh.stateDir,
    xds: { host: '127.0.0.1', port: 0, insecurePort: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    svidTtlMs: 3600_000,
    debounce: { quietMs: 20, maxMs: 500 },
    log,
  });
  channel = new grpc.Client(`127.0.0.1:${weft.cp.insecure!.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  for (const c of opened) c.close();
  channel?.close();
  await weft?.close();
});

/** A SotW ADS stream on the plaintext port subscribed to every cluster as `id`. */
function subscribe(id: string): RawClient {
  const c = new RawClient(channel, false, '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources');
  opened.push(c);
  c.send({ node: node(id, { namespace: 'default', service_account: 'frontend' }), type_url: T.Cluster, resource_names: [] });
  return c;
}

/** Ends when the stream got a response or was closed, whichever weft chose for this client. */
async function answered(c: RawClient): Promise<void> {
  await eventually(() => expect(c.responses.length > 0 || c.status !== undefined).toBe(true));
}

describe('logging hostile clients over real gRPC', () => {
  it('logsAMultiHundredKilobyteNackAsOneBoundedLine', async () => {
    const c = subscribe('frontend-nack');
    const first = await c.next(10_000);
    c.nack(first, 'E'.repeat(NACK_BYTES), [], '');
    await eventually(() => expect(log.lines.some((l) => l.includes('(NACK)') && l.includes('frontend-nack'))).toBe(true));
    const line = log.lines.find((l) => l.includes('(NACK)') && l.includes('frontend-nack'))!;
    expect(line.length).toBeLessThan(2 * LOG_FIELD_LIMIT);
    expect(line).toMatch(new RegExp(`error="E{${LOG_FIELD_LIMIT}}…\\(\\+\\d+ bytes\\)"`));
    for (const l of log.lines) expect(l.length).toBeLessThan(8 * LOG_FIELD_LIMIT);
  });

  it('neverWritesEscapesOrBidiControlsFromANodeIdRaw', async () => {
    const c = subscribe(HOSTILE_ID);
    await answered(c);
    if (c.responses[0]) c.nack(c.responses[0], `bad\u001b[31m\u202eid`, [], '');
    await eventually(() => expect(log.lines.some((l) => l.includes('frontend-1\\u001b[2J'))).toBe(true));
    for (const l of log.lines) expect(l).not.toMatch(RAW_UNSAFE);
    const mention = log.lines.find((l) => l.includes('frontend-1\\u001b[2J'))!;
    expect(mention).toContain('frontend-1\\u001b[2J\\u001b]0;owned\\u0007\\u202egnp.exe\\u2066');
  });
});
