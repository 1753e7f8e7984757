/**
 * mTLS and authorization through weft on real xDS-enabled gRPC servers: `mtls: strict` refuses
 * a caller without a mesh certificate, certificates rotate under traffic with no failed call, and
 * the AccessPolicy turns an identity it does not name away with PERMISSION_DENIED.
 */
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failures } from '../support/driver.js';
import { target } from '../support/mesh-files.js';
import { startSecureMesh, type SecureMesh } from '../support/secure-mesh.js';
import { tally } from '../support/wire.js';

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

describe('proxyless gRPC security', () => {
  it('with mtls strict, serves a caller with a mesh certificate end to end', async () => {
    const out = await mesh.frontend.tally({ target: REVIEWS, calls: 50, concurrency: 5 });
    expect(out).toEqual({ 'reviews-v1>ratings': 50 });
  }, 30_000);

  it('with mtls strict, refuses a caller without a mesh certificate', async () => {
    const out = await mesh.frontend.tally({ target: `127.0.0.1:${mesh.reviewsPort}`, calls: 5, concurrency: 1, deadlineMs: 2_000 });
    expect(out).toEqual({ 'error 14': 5 });
  });

  it('answers PERMISSION_DENIED to a mesh identity the AccessPolicy does not allow', async () => {
    const out = await mesh.intruder.tally({ target: REVIEWS, calls: 10, concurrency: 2 });
    expect(out).toEqual({ 'error 7': 10 });
  }, 30_000);

  it('rotates short-lived certificates during traffic with no failed call', async () => {
    const before = await servedCertificate(mesh.reviewsPort);
    const traffic = (async () => {
      const all = [];
      for (let i = 0; i < 8; i++) all.push(...(await mesh.frontend.run({ target: REVIEWS, calls: 60, concurrency: 4 })));
      return all;
    })();
    for (let i = 0; i < 3; i++) {
      await mesh.rotate(20_000);
      await new Promise((r) => setTimeout(r, 1_500));
    }
    const out = await traffic;
    expect(failures(out)).toEqual([]);
    expect(tally(out)).toEqual({ 'reviews-v1>ratings': 480 });
    const after = await servedCertificate(mesh.reviewsPort);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(Date.parse(after.valid_to) - Date.now()).toBeLessThan(25_000);
  }, 60_000);
});
