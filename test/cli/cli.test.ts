import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { weft } from './run-weft.js';
import { checkResource } from '../../proto/validate.js';
import { EXAMPLE } from '../../src/cli/serve.js';


afterEach(() => vi.restoreAllMocks());
const tmp = () => mkdtemp(path.join(tmpdir(), 'weft-cli-'));

/** Fields of the bootstrap typed google.protobuf.BoolValue (a bare bool in proto3 JSON). */
const BOOL_VALUE_FIELDS = new Set(['use_all_default_tags', 'report_counters_as_deltas']);

/** Envoy reads proto3 JSON; protobufjs objects want Durations, Structs and wrappers spelled out. */
function fromProto3Json(v: unknown, key = ''): unknown {
  if (typeof v === 'boolean' && BOOL_VALUE_FIELDS.has(key)) return { value: v };
  if (typeof v === 'string' && /^\d+(\.\d+)?s$/.test(v)) return { seconds: Math.floor(parseFloat(v)), nanos: Math.round((parseFloat(v) % 1) * 1e9) };
  if (Array.isArray(v)) return v.map((x) => fromProto3Json(x));
  if (!v || typeof v !== 'object') return v;
  if (key === 'metadata') return { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? { stringValue: x } : { structValue: { fields: Object.fromEntries(Object.entries(x as object).map(([a, b]) => [a, { stringValue: b }])) } }])) };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromProto3Json(x, k)]));
}

describe('weft validate', () => {
  it('accepts the bundled example with its registry', async () => {
    const r = await weft('validate', EXAMPLE.policy, '--registry', EXAMPLE.registry);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/policy OK: 4 files/);
  });

  it('rejects a broken copy with file:line:col and exit code 1', async () => {
    const dir = await tmp();
    await cp(EXAMPLE.policy, dir, { recursive: true });
    const file = path.join(dir, 'reviews.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('loadBalancer:', 'loadBalancr:'));
    const r = await weft('validate', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/reviews\.yaml:\d+:\d+ .*loadBalancr.*\[WEFT1\d{3}\]/);
  });

  it('says what is wrong with a registry file', async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, 'r.yaml'), 'services:\n  - name: x\n    bogus: 1\n');
    const r = await weft('validate', EXAMPLE.policy, '--registry', path.join(dir, 'r.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/r\.yaml:3:5/);
  });
});

describe('weft bootstrap', () => {
  it('writes an Envoy bootstrap that satisfies Envoy\'s Bootstrap proto and validate rules, with 0600 key files', async () => {
    const dir = await tmp();
    const out = path.join(dir, 'out');
    const r = await weft('bootstrap', '--node-id', 'reviews-v1', '--namespace', 'default', '--service-account', 'reviews', '--format', 'envoy', '--out', out, '--state-dir', path.join(dir, 'state'), '--delta');
    expect(r.code).toBe(0);
    const config = JSON.parse(await readFile(path.join(out, 'envoy.json'), 'utf8'));
    expect(checkResource('envoy.config.bootstrap.v3.Bootstrap', fromProto3Json(config) as object)).toEqual([]);
    expect(config.dynamic_resources.ads_config.api_type).toBe('DELTA_GRPC');
    // A connection cap: without one Envoy warns at start and a flood exhausts the sidecar.
    expect(config.overload_manager.resource_monitors[0].typed_config.max_active_downstream_connections).toBe(65_536);
    expect((await stat(path.join(out, 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(out, 'envoy.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, 'state', 'ca', 'ca.key'))).mode & 0o777).toBe(0o600);
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(await readFile(path.join(out, 'cert.pem'))).subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/reviews');
  });

  it('writes a gRPC bootstrap with certificate providers and the server listener template', async () => {
    const dir = await tmp();
    const r = await weft('bootstrap', '--node-id', 'c1', '--namespace', 'default', '--service-account', 'web', '--format', 'grpc', '--out', path.join(dir, 'o'), '--state-dir', path.join(dir, 's'));
    expect(r.code).toBe(0);
    const config = JSON.parse(await readFile(path.join(dir, 'o', 'grpc-bootstrap.json'), 'utf8'));
    expect(config.xds_servers[0].server_uri).toBe('127.0.0.1:18002');
    expect(config.certificate_providers.default.plugin_name).toBe('file_watcher');
    expect(config.node.metadata.server_listener_resource_name_template).toBe(config.server_listener_resource_name_template);
  });

  it('writes a gateway bootstrap naming its Gateway, and refuses one of another namespace or without a Gateway', async () => {
    const dir = await tmp();
    const base = ['bootstrap', '--node-id', 'edge-1', '--namespace', 'ingress', '--service-account', 'edge', '--state-dir', dir, '--kind', 'gateway'];
    expect((await weft(...base, '--gateway', 'ingress/edge', '--out', path.join(dir, 'g'))).code).toBe(0);
    const config = JSON.parse(await readFile(path.join(dir, 'g', 'envoy.json'), 'utf8'));
    expect(checkResource('envoy.config.bootstrap.v3.Bootstrap', fromProto3Json(config) as object)).toEqual([]);
    expect([config.node.metadata.weft_kind, config.node.metadata.gateway, config.node.metadata.namespace]).toEqual(['gateway', 'ingress/edge', 'ingress']);
    const other = await weft(...base, '--gateway', 'shop/edge', '--out', path.join(dir, 'x'));
    expect([other.code, other.err]).toEqual([2, expect.stringContaining('the gateway proxy\'s identity must be of that namespace (--namespace shop)')]);
    expect((await weft(...base, '--out', path.join(dir, 'y'))).err).toContain('--kind gateway needs --gateway NAMESPACE/NAME');
    expect((await weft(...base, '--gateway', 'ingress/edge', '--format', 'grpc', '--out', path.join(dir, 'z'))).code).toBe(2);
  });

  it('rejects an unknown format and an identity that is not a SPIFFE ID, with exit code 2', async () => {
    const dir = await tmp();
    expect((await weft('bootstrap', '--node-id', 'x', '--namespace', 'default', '--service-account', 'a', '--format', 'xml', '--out', dir)).code).toBe(2);
    const bad = await weft('bootstrap', '--node-id', 'x', '--namespace', 'a/b', '--service-account', 'a', '--out', dir, '--state-dir', dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/SPIFFE/);
  });

  it('writes --inbound-forward and --outbound-address into node metadata only when they differ from the defaults', async () => {
    const dir = await tmp();
    const base = ['bootstrap', '--node-id', 'x', '--namespace', 'default', '--service-account', 'reviews', '--state-dir', dir];
    expect((await weft(...base, '--out', path.join(dir, 'a'))).code).toBe(0);
    const plain = JSON.parse(await readFile(path.join(dir, 'a', 'envoy.json'), 'utf8'));
    expect(plain.node.metadata.inbound_forward).toBeUndefined();
    expect(plain.node.metadata.outbound_address).toBeUndefined();
    expect((await weft(...base, '--inbound-forward', 'loopback', '--outbound-address', '127.0.0.7', '--out', path.join(dir, 'b'))).code).toBe(0);
    const set = JSON.parse(await readFile(path.join(dir, 'b', 'envoy.json'), 'utf8'));
    expect(set.node.metadata).toMatchObject({ inbound_forward: 'loopback', outbound_address: '127.0.0.7' });
    expect((await weft(...base, '--inbound-forward', 'elsewhere', '--out', path.join(dir, 'c'))).code).toBe(2);
  });

  it('writes --region and --zone as node.locality in both flavours (Envoy\'s only when given), and refuses an empty one', async () => {
    const dir = await tmp();
    const base = ['bootstrap', '--node-id', 'x', '--namespace', 'default', '--service-account', 'reviews', '--state-dir', dir];
    expect((await weft(...base, '--region', 'eu-west', '--zone', 'eu-west-1a', '--out', path.join(dir, 'e'))).code).toBe(0);
    const envoy = JSON.parse(await readFile(path.join(dir, 'e', 'envoy.json'), 'utf8'));
    expect(envoy.node.locality).toEqual({ region: 'eu-west', zone: 'eu-west-1a' });
    expect(checkResource('envoy.config.bootstrap.v3.Bootstrap', fromProto3Json(envoy) as object)).toEqual([]);
    expect((await weft(...base, '--zone', 'z1', '--format', 'grpc', '--out', path.join(dir, 'g'))).code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'g', 'grpc-bootstrap.json'), 'utf8')).node.locality).toEqual({ zone: 'z1' });
    expect((await weft(...base, '--out', path.join(dir, 'n'))).code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'n', 'envoy.json'), 'utf8')).node.locality).toBeUndefined();
    const empty = await weft(...base, '--zone', '', '--out', path.join(dir, 'x'));
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('--zone must be a non-empty name');
  });

  it('refuses --services without --instance-ips (served services are derived from the registry by IP)', async () => {
    const dir = await tmp();
    const r = await weft('bootstrap', '--node-id', 'x', '--namespace', 'default', '--service-account', 'reviews', '--services', 'reviews.default', '--out', dir, '--state-dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--services needs --instance-ips');
  });
});

describe('weft', () => {
  it('explains what serve needs', async () => {
    const r = await weft('serve');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--policy DIR \(or --example/);
  });

  it('refuses a non-loopback admin bind without a token before starting anything', async () => {
    const dir = await tmp();
    const r = await weft('serve', '--example', '--admin-host', '0.0.0.0', '--state-dir', dir, '--xds-port', '0', '--admin-port', '0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--admin-token/);
  });

  it('exits 2 on an unknown command', async () => {
    expect((await weft('frobnicate')).code).toBe(2);
  });

  it('shows the CA', async () => {
    const dir = await tmp();
    const r = await weft('ca', 'show', '--state-dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/SUBJECT +NOT BEFORE/);
    expect(r.out).toMatch(/trust domain cluster\.local/);
  });
});
