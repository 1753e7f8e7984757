/**
 * Hostile xDS clients against a running weft with both ports open (issue 10, findings 1, 2, 9,
 * 12). The real reviews proxy connects over mTLS; an attacker connects over the plaintext port
 * claiming reviews' identity, or over mTLS with another identity (ratings), with the same or a
 * different node id, before or after the real proxy, over SotW or delta, over ADS or the
 * per-type SecretDiscoveryService. In every combination:
 * - the attacker never receives a private key, and never reviews' inbound configuration;
 * - the real proxy always receives its own key, and its configuration never carries the
 *   attacker's claims (its bogus instance IP), also after the next policy change;
 * - the attacker's `services` claim is refused and shown in the admin view.
 * Every wait is on a response or a state the test can observe; nothing sleeps.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { startWeft, type RunningWeft } from '../../src/cli/run.js';
import { memoryLogger } from '../../src/controlplane/index.js';
import { RawClient, T, node, type Response } from '../xds/harness.js';

const REVIEWS = 'spiffe://cluster.local/ns/default/sa/reviews';
const RATINGS = 'spiffe://cluster.local/ns/default/sa/ratings';
const BOGUS_IP = '6.6.6.6';
const log = memoryLogger();
let weft: RunningWeft;
let ca: CertificateAuthority;
let registryFile: string;
const clients: grpc.Client[] = [];

const REGISTRY = `services:
  - name: reviews
    namespace: default
    serviceAccount: reviews
    ports: [{ name: http, port: 9080, protocol: http }]
    endpoints:
      - { address: 10.1.0.1, ports: { http: 9080 }, labels: { version: v1 } }
  - name: ratings
    namespace: default
    serviceAccount: ratings
    ports: [{ name: http, port: 9080, protocol: http }]
    endpoints:
      - { address: 10.1.0.3, ports: { http: 9080 }, labels: { version: v1 } }
`;
const ACCESS = (paths: string) => `kind: AccessPolicy
service: reviews.default
action: allow
rules:
  - from: [{ serviceAccount: ratings.default }]
    to: { paths: ["${paths}"] }
`;

const extraService = (n: number) => `  - name: extra${n}
    namespace: default
    ports: [{ name: http, port: ${20000 + n}, protocol: http }]
    endpoints: [{ address: 10.1.1.${n}, ports: { http: 8080 } }]
`;

beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'weft-hostile-'));
  const policyDir = path.join(root, 'policy');
  registryFile = path.join(root, 'registry.yaml');
  await mkdir(policyDir);
  await writeFile(path.join(policyDir, 'mesh.yaml'), 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n');
  await writeFile(path.join(policyDir, 'access.yaml'), ACCESS('/reviews/*'));
  await writeFile(registryFile, REGISTRY);
  const stateDir = path.join(root, 'state');
  weft = await startWeft({
    policyDir, registry: { kind: 'static', file: registryFile }, stateDir,
    xds: { host: '127.0.0.1', port: 0, insecurePort: 0 }, admin: { host: '127.0.0.1', port: 0 }, svidTtlMs: 3600_000, log,
    debounce: { quietMs: 10, maxMs: 100 },
  });
  const r = await CertificateAuthority.open(path.join(stateDir, 'ca'), { trustDomain: 'cluster.local' });
  if (!r.ok) throw new Error(r.error.message);
  ca = r.value;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await weft?.close();
});

type Channel = 'mtls-reviews' | 'mtls-ratings' | 'plaintext';
type Service = 'ads' | 'sds';

function grpcClient(channel: Channel): grpc.Client {
  if (channel === 'plaintext') return track(new grpc.Client(`127.0.0.1:${weft.cp.insecure!.port}`, grpc.credentials.createInsecure()));
  const issued = ca.issueBootstrapCert({ spiffeId: channel === 'mtls-reviews' ? REVIEWS : RATINGS });
  if (!issued.ok) throw new Error(issued.error.message);
  const creds = grpc.credentials.createSsl(Buffer.from(ca.trustBundle().pems.join('')), Buffer.from(issued.svid.keyPem), Buffer.from(issued.svid.certPem + issued.svid.chainPem), { checkServerIdentity: () => undefined });
  return track(new grpc.Client(`127.0.0.1:${weft.cp.xdsPort}`, creds));
}

function track(c: grpc.Client): grpc.Client {
  clients.push(c);
  return c;
}

function open(channel: Channel, delta: boolean, service: Service): RawClient {
  const method = service === 'ads'
    ? `/envoy.service.discovery.v3.AggregatedDiscoveryService/${delta ? 'Delta' : 'Stream'}AggregatedResources`
    : `/envoy.service.secret.v3.SecretDiscoveryService/${delta ? 'Delta' : 'Stream'}Secrets`;
  return new RawClient(grpcClient(channel), delta, method);
}

/** Own certificate (`default`), reviews' SPIFFE ID as a name (a probe), and the bundle. */
const SDS_NAMES = ['default', REVIEWS, 'trust-bundle'];

/** Subscribes SDS and, over ADS, every listener. */
function subscribe(s: RawClient, n: ReturnType<typeof node>, service: Service): void {
  const sds = SDS_NAMES;
  if (s.delta) s.send({ node: n, type_url: T.Secret, resource_names_subscribe: sds });
  else s.send({ node: n, type_url: T.Secret, resource_names: sds });
  if (service !== 'ads') return;
  if (s.delta) s.send({ type_url: T.Listener, resource_names_subscribe: ['*'] });
  else s.send({ type_url: T.Listener, resource_names: [] });
}

function ack(s: RawClient, r: Response): void {
  if (s.delta) s.send({ type_url: r.type_url, response_nonce: r.nonce });
  else s.ack(r, r.type_url === T.Secret ? SDS_NAMES : []);
}

/** Reads (and ACKs) responses until every type in `types` has been seen at least once. */
async function readUntil(s: RawClient, types: readonly string[]): Promise<Response[]> {
  const seen: Response[] = [];
  while (!types.every((t) => seen.some((r) => r.type_url === t))) {
    const r = await s.next(15_000);
    ack(s, r);
    seen.push(r);
  }
  return seen;
}

/** The SPIFFE IDs of every certificate-with-key secret in `rs`. */
const keysFor = (rs: readonly Response[]) => rs.flatMap((r) => r.resources).filter((x) => 'tls_certificate' in x.value).map((x) => {
  const chain = (x.value as { tls_certificate: { certificate_chain: { inline_string: string } } }).tls_certificate.certificate_chain.inline_string;
  return new X509Certificate(chain).subjectAltName?.replace(/^URI:/, '');
});
/** What the attacker may hold: nothing on the plaintext port, its own (ratings) key over mTLS. */
const allowedKeys = (c: Channel) => (c === 'plaintext' ? [] : [RATINGS]);
const inboundNames = (rs: readonly Response[]) => rs.filter((r) => r.type_url === T.Listener).flatMap((r) => r.resources.map((x) => x.name)).filter((n) => n.startsWith('inbound'));

const realNode = (id: string) => node(id, { namespace: 'default', service_account: 'reviews', instance_ips: '10.1.0.1', interception: 'iptables' });
/** What the attacker claims: reviews' service and a bogus address, and (plaintext) its identity. */
const attackerNode = (id: string, channel: Channel) => node(id, {
  ...(channel === 'plaintext' ? { namespace: 'default', service_account: 'reviews' } : {}),
  services: 'reviews.default', instance_ips: BOGUS_IP, interception: 'iptables',
});

interface Case { attacker: Channel; sameNodeId: boolean; attackerFirst: boolean; delta: boolean; service: Service }
const cases: Case[] = [];
for (const attacker of ['plaintext', 'mtls-ratings'] as const)
  for (const sameNodeId of [true, false])
    for (const attackerFirst of [true, false])
      for (const delta of [false, true])
        for (const service of ['ads', 'sds'] as const) cases.push({ attacker, sameNodeId, attackerFirst, delta, service });

let seq = 0;
const label = (c: Case) => `${c.attacker}, ${c.sameNodeId ? 'same' : 'other'} node id, ${c.attackerFirst ? 'attacker first' : 'proxy first'}, ${c.delta ? 'delta' : 'SotW'}, ${c.service.toUpperCase()}`;

describe('hostile xDS clients never get what is not theirs', () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const n = ++seq;
    const realId = `reviews-v1-${n}`;
    const attackerId = c.sameNodeId ? realId : `intruder-${n}`;
    const attackerTypes = c.service === 'ads' ? [T.Secret, T.Listener] : [T.Secret];
    const start = (who: 'real' | 'attacker') => {
      const s = who === 'real' ? open('mtls-reviews', c.delta, 'ads') : open(c.attacker, c.delta, c.service);
      subscribe(s, who === 'real' ? realNode(realId) : attackerNode(attackerId, c.attacker), who === 'real' ? 'ads' : c.service);
      return s;
    };
    const first = start(c.attackerFirst ? 'attacker' : 'real');
    const firstSeen = await readUntil(first, c.attackerFirst ? attackerTypes : [T.Secret, T.Listener]);
    const second = start(c.attackerFirst ? 'real' : 'attacker');
    const secondSeen = await readUntil(second, c.attackerFirst ? [T.Secret, T.Listener] : attackerTypes);
    const [real, attacker] = c.attackerFirst ? [second, first] : [first, second];
    const [realSeen, attackerSeen] = c.attackerFirst ? [secondSeen, firstSeen] : [firstSeen, secondSeen];

    expect([...new Set(keysFor(attackerSeen))]).toEqual(allowedKeys(c.attacker));
    if (c.attacker === 'plaintext') expect(JSON.stringify(attackerSeen)).not.toContain('PRIVATE KEY');
    expect(attackerSeen.filter((r) => r.type_url === T.Secret).flatMap((r) => r.resources.map((x) => x.name))).toEqual(c.attacker === 'plaintext' ? ['trust-bundle'] : ['default', 'trust-bundle']);
    expect(inboundNames(attackerSeen)).toEqual([]);
    expect([...new Set(keysFor(realSeen))]).toEqual([REVIEWS]);
    expect(inboundNames(realSeen)).toEqual(['inbound|15006']);
    expect(JSON.stringify(realSeen)).not.toContain(BOGUS_IP);

    const views = weft.cp.view.proxies().filter((p) => p.id === realId || p.id === attackerId);
    const attackerView = views.find((p) => p.channel === (c.attacker === 'plaintext' ? 'plaintext' : 'mtls') && p.identity === (c.attacker === 'plaintext' ? REVIEWS : RATINGS) && p.id === attackerId)!;
    expect(attackerView.refusedServices).toEqual(c.attacker === 'plaintext' ? ['reviews.default'] : ['reviews.default']);
    if (c.sameNodeId) expect(attackerView.nodeIdCollisions).toEqual([`mtls ${REVIEWS}`]);

    // The real proxy leaves; a registry change (a new service on a new port: a new outbound
    // listener) then republishes the attacker, and still no key or foreign inbound reaches it.
    real.close();
    if (c.service === 'ads') {
      await writeFile(registryFile, REGISTRY + extraService(n));
      const after = await readUntil(attacker, [T.Listener]);
      expect(keysFor(after).filter((id) => !allowedKeys(c.attacker).includes(id!))).toEqual([]);
      expect(inboundNames(after)).toEqual([]);
    }
    attacker.close();
  });

  it('logs each refused services claim with the identity that made it', () => {
    const line = log.lines.find((l) => l.includes('claim ignored'));
    expect(line).toBeDefined();
    expect(line).toContain('reviews.default');
    expect(log.lines.join('\n')).not.toMatch(/PRIVATE KEY/);
  });

  it('refuses an mTLS stream whose metadata claims another identity, and a plaintext claim that is not an identity', async () => {
    const liar = open('mtls-ratings', false, 'ads');
    liar.send({ node: node('liar', { namespace: 'default', service_account: 'reviews' }), type_url: T.Secret, resource_names: [REVIEWS] });
    expect((await liar.ended()).code).toBe(grpc.status.PERMISSION_DENIED);
    expect(liar.responses).toEqual([]);
    const odd = open('plaintext', false, 'ads');
    odd.send({ node: node('odd', { namespace: 'a/b', service_account: 'x' }), type_url: T.Secret, resource_names: ['trust-bundle'] });
    expect((await odd.ended()).code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe('the plaintext port has tighter limits', () => {
  it('ends a plaintext stream asking for more names than it allows, while the same request over mTLS is served', async () => {
    const names = ['trust-bundle', ...Array.from({ length: 5_000 }, (_, i) => `name-${i}`)];
    const plain = open('plaintext', false, 'ads');
    plain.send({ node: node('greedy', { namespace: 'default', service_account: 'ratings' }), type_url: T.Secret, resource_names: names });
    const s = await plain.ended(15_000);
    expect(s.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const tls = open('mtls-ratings', false, 'ads');
    tls.send({ node: node('many-names'), type_url: T.Secret, resource_names: names });
    expect((await tls.next(15_000)).resources.map((r) => r.name)).toEqual(['trust-bundle']);
    tls.close();
  });
});

describe('root rotation is gated by authenticated proxies only', () => {
  it('a plaintext stream that never ACKs the bundle does not block rotation; an mTLS one does, and is named', async () => {
    const squatter = open('plaintext', false, 'ads');
    squatter.send({ node: node('squatter', { namespace: 'default', service_account: 'reviews' }), type_url: T.Secret, resource_names: ['trust-bundle'] });
    await squatter.next(15_000); // never ACKed
    expect((await weft.cp.rotateRoot('begin')).ok).toBe(true);
    await squatter.next(15_000); // the two-root bundle, never ACKed either
    const laggard = open('mtls-ratings', false, 'ads');
    laggard.send({ node: node('slow-ratings'), type_url: T.Secret, resource_names: ['trust-bundle'] });
    await laggard.next(15_000); // never ACKed
    const refused = await weft.cp.rotateRoot('advance');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.waitingFor).toEqual([`slow-ratings (${RATINGS})`]);
    laggard.close();
    await until(async () => !weft.cp.view.proxies().some((p) => p.id === 'slow-ratings'));
    expect((await weft.cp.rotateRoot('advance')).ok).toBe(true);
    squatter.close();
  });
});

/** Polls a condition the server exposes (not a sleep standing in for one). */
async function until(cond: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}
