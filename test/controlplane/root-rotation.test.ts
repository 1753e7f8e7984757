/**
 * Root rotation through the admin API, gated on trust-bundle ACKs: trust both roots, then sign with
 * the new one (workload certificates re-issued and pushed), then drop the old one.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWeft } from '../../src/cli/run.js';
import { RawClient, T, node, type Response } from '../xds/harness.js';
import { startStrictWeft } from './mesh.js';

const ID = 'spiffe://cluster.local/ns/default/sa/web';
let weft: RunningWeft;
let stream: RawClient;
let client: grpc.Client;

beforeAll(async () => {
  const started = await startStrictWeft({ svidTtlMs: 3600_000 });
  weft = started.weft;
  const boot = started.ca.issueBootstrapCert({ spiffeId: ID });
  if (!boot.ok) throw new Error(boot.error.message);
  const creds = grpc.credentials.createSsl(Buffer.from(started.ca.trustBundle().pems.join('')), Buffer.from(boot.svid.keyPem), Buffer.from(boot.svid.certPem), { checkServerIdentity: () => undefined });
  client = new grpc.Client(`127.0.0.1:${weft.cp.xdsPort}`, creds);
  stream = new RawClient(client, false, '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources');
});

afterAll(async () => {
  stream?.close();
  client?.close();
  await weft?.close();
});

async function rotate(step: string) {
  const res = await fetch(`${weft.admin.url}/api/v1/ca/rotation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step }) });
  return { status: res.status, body: (await res.json()) as { phase?: { phase: string }; error?: { code: string; message: string } } };
}

const NAMES = ['default', 'trust-bundle'];
const bundleOf = (r: Response) => (r.resources.find((x) => x.name === 'trust-bundle')?.value as { validation_context: { trusted_ca: { inline_string: string } } } | undefined)?.validation_context.trusted_ca.inline_string;
const certOf = (r: Response) => (r.resources.find((x) => x.name === 'default')?.value as { tls_certificate: { certificate_chain: { inline_string: string } } } | undefined)?.tls_certificate.certificate_chain.inline_string;
const roots = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!.map((p) => new X509Certificate(p));

/**
 * Asks to advance until the server stops refusing because web-1 has not ACKed the bundle yet: the
 * ACK is on the wire when the client has sent it, and the server's 409 says when it has been handled.
 */
async function advanceOnceAcked() {
  for (;;) {
    const r = await rotate('advance');
    if (r.status !== 409) return r;
    expect(r.body.error?.message).toContain('web-1');
  }
}

/** Reads responses (ACKing each) until `pick` finds something. */
async function until<T>(pick: (r: Response) => T | undefined): Promise<T> {
  for (;;) {
    const r = await stream.next(5_000);
    stream.ack(r, NAMES);
    const v = pick(r);
    if (v !== undefined) return v;
  }
}

describe('root rotation', () => {
  it('moves through trust-both, sign-with-new and stable, each step only after the bundle is ACKed', async () => {
    stream.send({ node: node('web-1'), type_url: T.Secret, resource_names: NAMES });
    const first = await stream.next(5_000);
    const oldRoot = roots(bundleOf(first)!)[0]!;

    expect((await rotate('begin')).body.phase?.phase).toBe('trust-both');
    const both = await stream.next(5_000); // not ACKed yet
    expect(roots(bundleOf(both)!)).toHaveLength(2);
    const refused = await rotate('advance');
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toContain('web-1');
    stream.ack(both, NAMES);
    expect((await advanceOnceAcked()).body.phase?.phase).toBe('sign-with-new');
    const newLeaf = new X509Certificate(await until(certOf));
    expect(newLeaf.verify(oldRoot.publicKey)).toBe(false);
    const newRoot = roots(bundleOf(both)!).find((c) => c.fingerprint256 !== oldRoot.fingerprint256)!;
    expect(newLeaf.verify(newRoot.publicKey)).toBe(true);
    expect((await advanceOnceAcked()).body.phase?.phase).toBe('stable');
    const finalRoots = roots(await until(bundleOf));
    expect(finalRoots.map((c) => c.fingerprint256)).toEqual([newRoot.fingerprint256]);
  });

  it('rejects an unknown step with 400', async () => {
    expect((await rotate('sideways')).status).toBe(400);
  });
});
