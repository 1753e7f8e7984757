/**
 * Authenticated xDS over real mTLS streams: the client certificate's SPIFFE ID is the stream's
 * identity; a proxy receives only its own identity's secrets; metadata that claims another
 * identity is refused; certificates rotate before they expire; no key material is logged.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import type { RunningWeft } from '../../src/cli/run.js';
import { memoryLogger } from '../../src/controlplane/index.js';
import { RawClient, T, node } from '../xds/harness.js';
import { startStrictWeft } from './mesh.js';

const TTL_MS = 6_000;
let weft: RunningWeft;
let ca: CertificateAuthority;
let bundlePem: string;
const log = memoryLogger();
const opened: grpc.Client[] = [];
const WEFT_ID = 'spiffe://cluster.local/ns/weft-system/sa/weft';

beforeAll(async () => {
  ({ weft, ca } = await startStrictWeft({ svidTtlMs: TTL_MS, log }));
  bundlePem = ca.trustBundle().pems.join('');
});

afterAll(async () => {
  for (const c of opened) c.close();
  await weft?.close();
});

const idOf = (ns: string, sa: string) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;

/** A raw xDS stream over mTLS with a bootstrap certificate for (ns, sa), or with none. */
function stream(ns: string | undefined, sa: string | undefined, opts: { delta?: boolean } = {}): RawClient {
  let key: Buffer | null = null;
  let chain: Buffer | null = null;
  if (ns && sa) {
    const issued = ca.issueBootstrapCert({ spiffeId: idOf(ns, sa) });
    if (!issued.ok) throw new Error(issued.error.message);
    key = Buffer.from(issued.svid.keyPem);
    chain = Buffer.from(issued.svid.certPem + issued.svid.chainPem);
  }
  const creds = grpc.credentials.createSsl(Buffer.from(bundlePem), key, chain, {
    checkServerIdentity: (_host, cert) => (cert.subjectaltname === `URI:${WEFT_ID}` ? undefined : new Error(`unexpected server identity ${cert.subjectaltname}`)),
  });
  const client = new grpc.Client(`127.0.0.1:${weft.cp.xdsPort}`, creds);
  opened.push(client);
  const method = opts.delta ? 'DeltaAggregatedResources' : 'StreamAggregatedResources';
  return new RawClient(client, !!opts.delta, `/envoy.service.discovery.v3.AggregatedDiscoveryService/${method}`);
}

function secretNames(r: { resources: { name: string }[] }) {
  return r.resources.map((x) => x.name).sort();
}

describe('authenticated xDS', () => {
  it('serves a proxy its own certificate, with a matching key, and the trust bundle', async () => {
    const c = stream('default', 'frontend');
    c.send({ node: node('fe-1', { namespace: 'default', service_account: 'frontend' }), type_url: T.Secret, resource_names: ['default', idOf('default', 'frontend'), 'trust-bundle'] });
    const r = await c.next(5_000);
    // The own certificate is always `default`; asking for it by SPIFFE ID gets nothing more.
    expect(secretNames(r)).toEqual(['default', 'trust-bundle']);
    const own = r.resources.find((x) => x.name === 'default')!.value as { tls_certificate: { certificate_chain: { inline_string: string }; private_key: { inline_string: string } } };
    const { X509Certificate, createPrivateKey } = await import('node:crypto');
    const cert = new X509Certificate(own.tls_certificate.certificate_chain.inline_string);
    expect(cert.subjectAltName).toBe(`URI:${idOf('default', 'frontend')}`);
    expect(cert.checkPrivateKey(createPrivateKey(own.tls_certificate.private_key.inline_string))).toBe(true);
    expect(cert.verify(new X509Certificate(bundlePem).publicKey)).toBe(true);
  });

  it('never sends another identity its secrets, answering exactly as for a name that does not exist (randomised pairs)', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => ({ ns: `ns${i}`, sa: `sa${i}` }));
    for (let round = 0; round < 6; round++) {
      const a = ids[Math.floor(Math.random() * ids.length)]!;
      let b = ids[Math.floor(Math.random() * ids.length)]!;
      if (b === a) b = ids[(ids.indexOf(a) + 1) % ids.length]!;
      const c = stream(a.ns, a.sa, { delta: round % 2 === 1 });
      const names = [idOf(b.ns, b.sa), 'default', `spiffe://cluster.local/ns/${b.ns}/sa/does-not-exist`];
      if (round % 2 === 1) c.send({ node: node(`p-${round}`), type_url: T.Secret, resource_names_subscribe: names });
      else c.send({ node: node(`p-${round}`), type_url: T.Secret, resource_names: names });
      const r = await c.next(5_000);
      expect(secretNames(r)).toEqual(['default']);
      const cert = (r.resources[0]!.value as { tls_certificate: { certificate_chain: { inline_string: string } } }).tls_certificate.certificate_chain.inline_string;
      expect(new (await import('node:crypto')).X509Certificate(cert).subjectAltName).toBe(`URI:${idOf(a.ns, a.sa)}`);
      if (round % 2 === 1) expect(r.removed.sort()).toEqual([names[0], names[2]].sort());
      expect(JSON.stringify(r)).not.toContain(`/ns/${b.ns}/sa/${b.sa}"`.slice(0, -1) + '-');
      // Nothing else was queued for the stream: the answer to a later request comes next, and alone.
      if (round % 2 === 1) c.send({ type_url: T.Secret, response_nonce: r.nonce, resource_names_subscribe: ['trust-bundle'] });
      else c.send({ type_url: T.Secret, version_info: r.version_info, response_nonce: r.nonce, resource_names: [...names, 'trust-bundle'] });
      // (SotW may repeat the unchanged `default`; nothing of b's may appear.)
      expect(secretNames(await c.next(5_000)).filter((n) => n !== 'default')).toEqual(['trust-bundle']);
    }
  });

  it('refuses node metadata that claims another namespace or service account, before sending anything', async () => {
    const c = stream('default', 'frontend');
    c.send({ node: node('liar', { namespace: 'payments', service_account: 'frontend' }), type_url: T.Secret, resource_names: [idOf('payments', 'frontend')] });
    const s = await c.ended();
    expect(s.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(s.details).toContain('payments');
    expect(c.responses).toEqual([]);
  });

  it('refuses a client without a certificate', async () => {
    const c = stream(undefined, undefined);
    c.send({ node: node('anon'), type_url: T.Cluster });
    const s = await c.ended();
    expect([grpc.status.UNAVAILABLE, grpc.status.UNAUTHENTICATED]).toContain(s.code);
  });

  it('pushes a renewed certificate before the current one expires', async () => {
    const c = stream('default', 'rotating');
    c.send({ node: node('rot-1'), type_url: T.Secret, resource_names: ['default'] });
    const first = await c.next(5_000);
    c.ack(first, ['default']);
    const serialOf = (r: typeof first) => {
      const pem = (r.resources[0]!.value as { tls_certificate: { certificate_chain: { inline_string: string } } }).tls_certificate.certificate_chain.inline_string;
      return import('node:crypto').then(({ X509Certificate }) => new X509Certificate(pem));
    };
    const before = await serialOf(first);
    const second = await c.next(TTL_MS);
    const after = await serialOf(second);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(Date.now()).toBeLessThan(new Date(before.validTo).getTime());
  });

  it('logs no private key material', () => {
    expect(log.lines.join('\n')).not.toMatch(/PRIVATE KEY|BEGIN EC/);
  });
});
