/**
 * The mTLS xDS port's credentials follow root rotation without a restart (issue 10, finding 10):
 * after every phase a fresh client reconnects. Once the new root signs, a client that trusts
 * only the new root (and presents a certificate from it) is served; once the old root is dropped,
 * a client certificate from the old root is refused.
 */
import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWeft } from '../../src/cli/run.js';
import { RawClient, T, node, type Response } from '../xds/harness.js';
import { startStrictWeft } from './mesh.js';

const ID = 'spiffe://cluster.local/ns/default/sa/web';
const NAMES = ['default', 'trust-bundle'];
let weft: RunningWeft;
let oldPair: { key: string; chain: string };
let oldRootPem: string;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  const started = await startStrictWeft({ svidTtlMs: 3600_000 });
  weft = started.weft;
  const boot = started.ca.issueBootstrapCert({ spiffeId: ID });
  if (!boot.ok) throw new Error(boot.error.message);
  oldPair = { key: boot.svid.keyPem, chain: boot.svid.certPem + boot.svid.chainPem };
  oldRootPem = started.ca.trustBundle().pems.join('');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await weft?.close();
});

/** An SDS stream with `pair` as client certificate, trusting only `trustPem`. */
function connect(pair: { key: string; chain: string }, trustPem: string, nodeId: string): RawClient {
  const creds = grpc.credentials.createSsl(Buffer.from(trustPem), Buffer.from(pair.key), Buffer.from(pair.chain), { checkServerIdentity: () => undefined });
  const client = new grpc.Client(`127.0.0.1:${weft.cp.xdsPort}`, creds);
  clients.push(client);
  const s = new RawClient(client, false, '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources');
  s.send({ node: node(nodeId), type_url: T.Secret, resource_names: NAMES });
  return s;
}

const bundleOf = (r: Response) => (r.resources.find((x) => x.name === 'trust-bundle')?.value as { validation_context: { trusted_ca: { inline_string: string } } } | undefined)?.validation_context.trusted_ca.inline_string;
const pairOf = (r: Response) => {
  const v = r.resources.find((x) => x.name === 'default')?.value as { tls_certificate: { certificate_chain: { inline_string: string }; private_key: { inline_string: string } } } | undefined;
  return v && { chain: v.tls_certificate.certificate_chain.inline_string, key: v.tls_certificate.private_key.inline_string };
};
const pems = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)!;

/** A reconnect: the stream is served its secrets, then closed (so it cannot gate rotation). */
async function reconnects(pair: { key: string; chain: string }, trustPem: string, nodeId: string): Promise<Response> {
  const s = connect(pair, trustPem, nodeId);
  const r = await s.next(15_000);
  s.close();
  await until(() => !weft.cp.view.proxies().some((p) => p.id === nodeId));
  return r;
}

/** Advances once the long-lived proxy has ACKed the bundle (the server says when). */
async function advance(): Promise<string> {
  for (;;) {
    const r = await weft.cp.rotateRoot('advance');
    if (r.ok) return r.phase.phase!;
    expect(r.waitingFor).toEqual([`web-1 (${ID})`]);
    await new Promise((res) => setImmediate(res));
  }
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

describe('serving credentials follow root rotation', () => {
  it('lets clients of each phase reconnect and refuses the dropped root', async () => {
    const proxy = connect(oldPair, oldRootPem, 'web-1');
    const ackAll = async (pick: (r: Response) => boolean) => {
      for (;;) {
        const r = await proxy.next(15_000);
        proxy.ack(r, NAMES);
        if (pick(r)) return r;
      }
    };
    await ackAll(() => true);

    expect((await weft.cp.rotateRoot('begin')).ok).toBe(true);
    const both = bundleOf(await ackAll((r) => pems(bundleOf(r) ?? '-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----').length === 2))!;
    const newRootPem = pems(both).find((p) => p !== pems(oldRootPem)[0])!;
    expect(bundleOf(await reconnects(oldPair, oldRootPem, 'trust-both-old'))).toBe(both);

    expect(await advance()).toBe('sign-with-new');
    const newPair = pairOf(await ackAll((r) => { const p = pairOf(r); return !!p && new X509Certificate(p.chain).verify(new X509Certificate(newRootPem).publicKey); }))!;
    // A client that trusts only the new root sees a server certificate from it, and is accepted
    // with a certificate from it.
    expect(pairOf(await reconnects(newPair, newRootPem, 'new-only'))).toBeDefined();

    expect(await advance()).toBe('stable');
    await ackAll((r) => pems(bundleOf(r) ?? '').length === 1);
    expect(pairOf(await reconnects(newPair, newRootPem, 'stable-new'))).toBeDefined();
    const refused = connect(oldPair, both, 'stable-old');
    await expect(refused.next(15_000)).rejects.toThrow(/stream ended: 14/);
    proxy.close();
  });
});
