/**
 * The token exchange without an API server (a recorded fake TokenReviewer): the identity follows
 * the review only, refusals carry their codes, the limits answer 429 before any review, and the
 * HTTPS endpoint with `weft agent` writes the pod's files and refuses a server outside the bundle.
 * e2e/kube/token-identity.test.ts runs the same exchange against a real API server.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../src/ca/index.js';
import { TokenExchange, type TokenReviewResult } from '../../src/controlplane/index.js';
import { startExchangeServer, type RunningExchange } from '../../src/cli/token-exchange-server.js';
import { weft } from '../cli/run-weft.js';
import { serverCertificate } from '../support/tls-files.js';

const TD = 'cluster.local';
let ca: CertificateAuthority;
beforeAll(async () => {
  const opened = await CertificateAuthority.open(path.join(mkdtempSync(path.join(tmpdir(), 'weft-exchange-')), 'ca'), { trustDomain: TD });
  if (!opened.ok) throw new Error(opened.error.message);
  ca = opened.value;
});

/** A reviewer that answers from a table keyed by token and records what it was asked. */
function reviewer(table: Record<string, TokenReviewResult>) {
  const calls: { token: string; audiences: readonly string[] }[] = [];
  const review = async (token: string, audiences: readonly string[]) => {
    calls.push({ token, audiences });
    const r = table[token];
    if (!r) throw new Error('connection refused');
    return r;
  };
  return { calls, review };
}
const sa = (ns: string, name: string, audiences = ['weft']): TokenReviewResult => ({ authenticated: true, username: `system:serviceaccount:${ns}:${name}`, audiences });
const TABLE: Record<string, TokenReviewResult> = {
  good: sa('shop', 'web'),
  expired: { authenticated: false, error: 'token has expired' },
  api: sa('shop', 'web', []),
  user: { authenticated: true, username: 'alice', audiences: ['weft'] },
};

function exchangeWith(table = TABLE, extra: Partial<ConstructorParameters<typeof TokenExchange>[0]> = {}) {
  const r = reviewer(table);
  return { ...r, x: new TokenExchange({ review: r.review, ca, trustDomain: TD, audience: 'weft', ttlMs: 3600_000, ...extra }) };
}
const body = (o: Record<string, unknown>) => JSON.stringify(o);

describe('TokenExchange', () => {
  it('issuesTheReviewedServiceAccountsIdentityAskingForWeftsAudience', async () => {
    const { x, calls } = exchangeWith();
    const out = await x.exchange(body({ token: 'good' }), '10.0.0.1');
    expect(out.status).toBe(200);
    expect(calls).toEqual([{ token: 'good', audiences: ['weft'] }]);
    const cert = new X509Certificate(out.body.certPem as string);
    expect(cert.subjectAltName).toBe('URI:spiffe://cluster.local/ns/shop/sa/web');
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThanOrEqual(3600_000 + 60_000);
    expect(out.body).toMatchObject({ spiffeId: 'spiffe://cluster.local/ns/shop/sa/web', caPem: ca.trustBundle().pems.join('') });
  });

  const refusals: [string, Record<string, unknown>, number, string][] = [
    ['an expired or revoked token', { token: 'expired' }, 401, 'WEFT6102'],
    ['a token without weft\'s audience', { token: 'api' }, 403, 'WEFT6103'],
    ['a user that is no ServiceAccount', { token: 'user' }, 403, 'WEFT6104'],
    ['another namespace than the token\'s', { token: 'good', namespace: 'billing' }, 403, 'WEFT6104'],
    ['another service account than the token\'s', { token: 'good', serviceAccount: 'admin' }, 403, 'WEFT6104'],
    ['an API server that cannot be reached', { token: 'unknown' }, 503, 'WEFT6106'],
  ];
  for (const [name, req, status, code] of refusals) {
    it(`refuses ${name} with ${status} ${code}`, async () => {
      const out = await exchangeWith().x.exchange(body(req), '10.0.0.1');
      expect(out).toMatchObject({ status, body: { code } });
      expect(out.body.certPem).toBeUndefined();
    });
  }

  it('acceptsTheTokensOwnIdentityWhenNamed', async () => {
    expect((await exchangeWith().x.exchange(body({ token: 'good', namespace: 'shop', serviceAccount: 'web' }), 'c')).status).toBe(200);
  });

  it('refusesBadBodiesWith400BeforeAnyReview', async () => {
    const { x, calls } = exchangeWith();
    for (const raw of ['', 'nope', '[]', body({}), body({ token: '' }), body({ token: 7 }), body({ token: 'good', namespace: 1 }), 'x'.repeat(17 * 1024)]) {
      expect((await x.exchange(raw, `c-${raw.length}`)).body.code, raw.slice(0, 20)).toBe('WEFT6101');
    }
    expect(calls).toEqual([]);
  });

  it('limitsEachClientAndAllClientsWith429BeforeReviewing', async () => {
    let now = 0;
    const { x, calls } = exchangeWith(TABLE, { ratePerClient: 1, rateTotal: 3, clock: () => now });
    const codes = async (client: string, n: number) => Promise.all(Array.from({ length: n }, () => x.exchange(body({ token: 'good' }), client).then((o) => o.status)));
    expect(await codes('a', 3)).toEqual([200, 200, 429]); // burst 2 per client
    expect(await codes('b', 3)).toEqual([200, 200, 429]); // total burst 6: 4 used, b's third is its own limit
    expect(await codes('c', 3)).toEqual([200, 200, 429]); // total now spent (6)
    expect(await codes('d', 1)).toEqual([429]);
    expect(calls.length).toBe(6);
    now += 1000;
    expect(await codes('d', 1)).toEqual([200]);
  });

  it('limitsTokenReviewsInFlight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const x = new TokenExchange({ review: async () => (await gate, TABLE.good!), ca, trustDomain: TD, audience: 'weft', ttlMs: 60_000, maxInFlight: 2 });
    const first = [x.exchange(body({ token: 'good' }), 'a'), x.exchange(body({ token: 'good' }), 'b')];
    const third = await x.exchange(body({ token: 'good' }), 'c');
    expect(third).toMatchObject({ status: 429, retryAfter: 1, body: { code: 'WEFT6105' } });
    release();
    expect((await Promise.all(first)).map((o) => o.status)).toEqual([200, 200]);
  });
});

describe('weft agent against the HTTPS exchange', () => {
  let server: RunningExchange;
  const fake = reviewer(TABLE);
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-agent-'));
  beforeAll(async () => {
    const exchange = new TokenExchange({ review: fake.review, ca, trustDomain: TD, audience: 'weft', ttlMs: 3600_000 });
    server = await startExchangeServer({ exchange, ca, trustDomain: TD, host: '127.0.0.1', port: 0 });
    writeFileSync(path.join(dir, 'token'), 'good\n');
    writeFileSync(path.join(dir, 'ca.pem'), ca.trustBundle().pems.join(''));
  });
  afterAll(() => server.close());
  const agent = (...extra: string[]) => weft('agent', '--token-file', path.join(dir, 'token'), '--exchange-address', `127.0.0.1:${server.port}`, '--timeout', '2s', ...extra);

  it('writesTheBootstrapCertificateKeyAndBundle', async () => {
    const out = path.join(dir, 'certs');
    const r = await agent('--ca-file', path.join(dir, 'ca.pem'), '--out', out, '--namespace', 'shop');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(new X509Certificate(readFileSync(path.join(out, 'cert.pem'))).subjectAltName).toBe('URI:spiffe://cluster.local/ns/shop/sa/web');
    expect(statSync(path.join(out, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(out, 'ca.pem'), 'utf8')).toBe(ca.trustBundle().pems.join(''));
  });

  it('failsAtOnceOnARefusalWithWeftsMessage', async () => {
    const r = await agent('--ca-file', path.join(dir, 'ca.pem'), '--out', path.join(dir, 'refused'), '--namespace', 'billing');
    expect(r.code).toBe(1);
    expect(r.err).toContain('HTTP 403');
    expect(r.err).toContain('[WEFT6104]');
    expect(existsSync(path.join(dir, 'refused', 'key.pem'))).toBe(false);
  });

  it('neverSendsTheTokenToAServerOutsideTheBundle', async () => {
    const other = serverCertificate('weft.weft-system.svc');
    const before = fake.calls.length;
    const r = await agent('--ca-file', other.caFile, '--out', path.join(dir, 'untrusted'));
    expect(r.code).toBe(1);
    expect(fake.calls.length).toBe(before);
    expect(existsSync(path.join(dir, 'untrusted', 'cert.pem'))).toBe(false);
  });
});
