/**
 * mTLS and authorization through weft on real xDS-enabled gRPC servers: `mtls: strict` refuses
 * a caller without a mesh certificate, certificates rotate under traffic with no failed call, and
 * the AccessPolicy turns an identity it does not name away with PERMISSION_DENIED, and an
 * MtlsPolicy that sets one service `disabled` opens it to plaintext callers while the rest of the
 * mesh stays strict.
 */
import * as grpc from '@grpc/grpc-js';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failures } from '../../scripts/mesh/driver.js';
import { target } from '../../scripts/mesh/mesh-files.js';
import { converged, policyVersion } from '../../scripts/mesh/weft.js';
import { ACCESS, startSecureMesh, type SecureMesh } from '../support/secure-mesh.js';
import { callOnce, tally } from '../../scripts/mesh/wire.js';

const REVIEWS = target('reviews');
let mesh: SecureMesh;

beforeAll(async () => {
  mesh = await startSecureMesh();
}, 90_000);

afterAll(async () => {
  await mesh?.stop();
});

/** The certificate reviews presents to a new TLS connection right now. */
function servedCertificate(port: number): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['h2'] }, () => {
      resolve(s.getPeerCertificate());
      s.destroy();
    });
    s.once('error', reject);
  });
}

/**
 * Polls (every 100 ms, at most `ms`) until reviews serves a certificate other than serial `from`;
 * returns its serial. A probe the server cuts off (it has no client certificate) counts as not yet.
 */
async function newServedSerial(port: number, from: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let last = `certificate ${from}`;
  for (;;) {
    const serial = await servedCertificate(port).then((c) => c.serialNumber, (err: Error) => ((last = err.message), from));
    if (serial && serial !== from) return serial;
    if (Date.now() > deadline) throw new Error(`reviews still serves ${last} ${ms} ms after the rotation`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('proxyless gRPC security', () => {
  it('with mtls strict, serves a caller with a mesh certificate end to end', async () => {
    const out = await mesh.frontend.tally({ target: REVIEWS, calls: 50, concurrency: 5 });
    expect(out).toEqual({ 'reviews-v1>ratings': 50 });
  }, 30_000);

  it('with mtls strict, refuses a caller without a mesh certificate', async () => {
    const out = await mesh.frontend.tally({ target: `127.0.0.1:${mesh.reviewsPort}`, calls: 5, concurrency: 1, deadlineMs: 2_000 });
    expect(out).toEqual({ 'error 14': 5 });
  });

  it('with mtls strict, refuses a TLS caller that trusts the mesh CA but has no certificate of its own, and serves it with one', async () => {
    const ca = Buffer.from(mesh.weft.cp.ca.trustBundle().pems.join(''));
    const svid = mesh.weft.cp.ca.issueSvid({ spiffeId: 'spiffe://cluster.local/ns/default/sa/frontend', ttlMs: 60_000 });
    if (!svid.ok) throw new Error(svid.error.message);
    const calls = async (key: Buffer | null, cert: Buffer | null) => {
      // SVIDs carry only a SPIFFE URI SAN, so skip the DNS host check; the chain is still verified.
      const creds = grpc.credentials.createSsl(ca, key, cert, { checkServerIdentity: () => undefined });
      const client = new grpc.Client(`127.0.0.1:${mesh.reviewsPort}`, creds, { 'grpc.ssl_target_name_override': 'reviews.default.svc.cluster.local' });
      const out = await Promise.all([1, 2, 3].map(() => callOnce(client, {}, 3_000)));
      client.close();
      return out.map((o) => o.r);
    };
    expect(await calls(null, null)).toEqual(['error 14', 'error 14', 'error 14']);
    const withCert = await calls(Buffer.from(svid.svid.keyPem), Buffer.from(svid.svid.certPem + svid.svid.chainPem));
    expect(withCert).toEqual(['reviews-v1>ratings', 'reviews-v1>ratings', 'reviews-v1>ratings']);
  });

  it('does not send reviews to a mesh identity its AccessPolicy refuses, and reviews answers it PERMISSION_DENIED when it dials directly', async () => {
    // Scope follows AccessPolicy (docs/translation.md "Scope"): the intruder gets no route to
    // reviews, so no call of its leaves through xDS.
    const viaXds = await mesh.intruder.tally({ target: REVIEWS, calls: 6, concurrency: 2, deadlineMs: 2_000 });
    expect(Object.keys(viaXds).every((k) => k.startsWith('error'))).toBe(true);
    const view = mesh.weft.cp.view.proxies().find((p) => p.id === 'intruder');
    expect(view?.scope?.refused).toContain('reviews.default');
    // The server still enforces for a caller with a valid mesh certificate that dials it anyway.
    const ca = Buffer.from(mesh.weft.cp.ca.trustBundle().pems.join(''));
    const svid = mesh.weft.cp.ca.issueSvid({ spiffeId: 'spiffe://cluster.local/ns/default/sa/intruder', ttlMs: 60_000 });
    if (!svid.ok) throw new Error(svid.error.message);
    const creds = grpc.credentials.createSsl(ca, Buffer.from(svid.svid.keyPem), Buffer.from(svid.svid.certPem + svid.svid.chainPem), { checkServerIdentity: () => undefined });
    const client = new grpc.Client(`127.0.0.1:${mesh.reviewsPort}`, creds, { 'grpc.ssl_target_name_override': 'reviews.default.svc.cluster.local' });
    const direct = await Promise.all([1, 2, 3].map(() => callOnce(client, {}, 3_000)));
    client.close();
    expect(direct.map((o) => o.r)).toEqual(['error 7', 'error 7', 'error 7']);
  }, 30_000);

  it('rotates short-lived certificates during traffic with no failed call', async () => {
    const before = await servedCertificate(mesh.reviewsPort);
    let rotating = true;
    let batches = 0;
    const traffic = (async () => {
      const all = [];
      // Batches of calls until the last rotation is served, and one more after it.
      for (let last = false; !last; batches++) {
        last = !rotating;
        all.push(...(await mesh.frontend.run({ target: REVIEWS, calls: 60, concurrency: 4 })));
      }
      return all;
    })();
    try {
      let serial = before.serialNumber;
      for (let i = 0; i < 3; i++) {
        await mesh.rotate(20_000);
        serial = await newServedSerial(mesh.reviewsPort, serial, 15_000);
      }
    } finally {
      rotating = false;
    }
    const out = await traffic;
    expect(failures(out)).toEqual([]);
    expect(tally(out)).toEqual({ 'reviews-v1>ratings': 60 * batches });
    const after = await servedCertificate(mesh.reviewsPort);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(Date.parse(after.valid_to) - Date.now()).toBeLessThan(25_000);
  }, 60_000);

  it('an MtlsPolicy setting reviews to disabled serves plaintext callers there, mesh callers follow it, and ratings stays strict', async () => {
    const plaintext = (port: number) => mesh.frontend.tally({ target: `127.0.0.1:${port}`, calls: 3, concurrency: 1, deadlineMs: 2_000 });
    const before = await policyVersion(mesh.weft);
    // Rules naming callers never match plaintext (docs/policy.md): reviews keeps no AccessPolicy.
    await mesh.dir.writePolicy('access.yaml', ACCESS.split('---\n')[1]!);
    await mesh.dir.writePolicy('mtls.yaml', 'kind: MtlsPolicy\nnamespace: default\nservice: reviews\nmode: disabled\n');
    await converged(mesh.weft, ['reviews-v1', 'ratings'], before);
    // The frontend's channel to that address failed earlier and may still be in its reconnect
    // backoff (it fails calls at once there): wait for it to reconnect, 15 s at most.
    await expect.poll(() => plaintext(mesh.reviewsPort), { timeout: 15_000, interval: 500 }).toEqual({ 'reviews-v1>ratings': 3 });
    // The frontend's cluster for reviews switches to plaintext with its next CDS (it may not have connected before).
    await expect.poll(() => mesh.frontend.tally({ target: REVIEWS, calls: 20, concurrency: 4, deadlineMs: 2_000 }), { timeout: 15_000, interval: 500 }).toEqual({ 'reviews-v1>ratings': 20 });
    expect(await plaintext(mesh.ratingsPort)).toEqual({ 'error 14': 3 });
  }, 60_000);
});
