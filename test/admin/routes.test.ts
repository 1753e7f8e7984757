import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { AdminConfigError, buildAdminApp, startAdmin } from '../../src/admin/index.js';
import { redactSecrets } from '../../src/controlplane/index.js';
import { fakeView, PEM_KEY } from './fake-view.js';

function registry(): Registry {
  const reg = new Registry();
  new Counter({ name: 'weft_test_total', help: 'test counter', registers: [reg] }).inc(3);
  return reg;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function build(opts: Parameters<typeof fakeView>[0] = {}, token?: string): FastifyInstance {
  app = buildAdminApp({ view: fakeView(opts), metrics: registry(), ...(token ? { token } : {}) });
  return app;
}

/** What the view returned, as JSON: responses must carry every field (no schema drops). */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('admin routes', () => {
  it('answers liveness and readiness, with 503 and reasons when not ready', async () => {
    expect((await build().inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app!.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    await app!.close();
    const notReady = await build({ readiness: { ready: false, reasons: ['policy not loaded yet'] } }).inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ ready: false, reasons: ['policy not loaded yet'] });
  });

  it('serves Prometheus text at /metrics', async () => {
    const res = await build().inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('weft_test_total 3');
  });

  it('lists proxies and returns one proxy with every field, including NACK details', async () => {
    const view = fakeView();
    const list = await build().inject('/api/v1/proxies');
    expect(list.json()).toEqual(asJson({ proxies: view.proxies() }));
    const one = await app!.inject('/api/v1/proxies/ratings-grpc-1');
    expect(one.json()).toEqual(asJson(view.proxy('ratings-grpc-1')));
    expect(one.json().types[1].nack.resources[0].source).toBe('policies/reviews.yaml:12:3');
  });

  it('answers 404 WEFT_ADMIN_UNKNOWN_PROXY for an unknown proxy and its config', async () => {
    for (const url of ['/api/v1/proxies/nope', '/api/v1/proxies/nope/config']) {
      const res = await build().inject(url);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('WEFT_ADMIN_UNKNOWN_PROXY');
      await app!.close();
    }
  });

  it('returns desired and acked config for a proxy', async () => {
    const res = await build().inject('/api/v1/proxies/reviews-v1-7f9c.default/config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(asJson(fakeView().configDump('reviews-v1-7f9c.default')));
  });

  it('never returns private key material even when the view leaks some', async () => {
    const res = await build({ leakKey: true }).inject('/api/v1/proxies/reviews-v1-7f9c.default/config');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/PRIVATE KEY/);
    expect(res.body).not.toContain(Buffer.from(PEM_KEY).toString('base64'));
    const sds = res.json().desired.SDS[0];
    expect(sds.tls_certificate.private_key).toBe('[redacted]');
    expect(sds.tls_certificate.certificate_chain.inline_string).toContain('BEGIN CERTIFICATE');
  });

  it('redacts nested keys, PEM strings and base64 PEM without mutating the input', () => {
    const input = { a: [{ privateKey: { inline_string: 'x' } }], b: PEM_KEY, c: Buffer.from(PEM_KEY).toString('base64'), d: 'plain' };
    const copy = structuredClone(input);
    expect(redactSecrets(input)).toEqual({ a: [{ privateKey: '[redacted]' }], b: '[redacted]', c: '[redacted]', d: 'plain' });
    expect(input).toEqual(copy);
  });

  it('lists services, policy with its last error, and the public CA bundle', async () => {
    const view = fakeView();
    expect((await build().inject('/api/v1/services')).json()).toEqual(asJson({ services: view.services() }));
    expect((await app!.inject('/api/v1/policy')).json()).toEqual(asJson(view.policy()));
    const ca = await app!.inject('/api/v1/ca');
    expect(ca.json()).toEqual(view.ca());
    expect(ca.body).not.toMatch(/PRIVATE KEY/);
  });

  it('sends no CORS headers and refuses cross-origin preflights with the JSON 403', async () => {
    const res = await build().inject({ method: 'OPTIONS', url: '/api/v1/proxies', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('WEFT_ADMIN_CROSS_ORIGIN');
    const own = await app!.inject({ method: 'OPTIONS', url: '/api/v1/proxies', headers: { 'access-control-request-method': 'GET' } });
    expect(own.statusCode).toBe(404);
    const get = await app!.inject({ url: '/api/v1/proxies', headers: { origin: 'https://evil.example' } });
    for (const r of [res, own, get]) expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('answers unknown routes with WEFT_ADMIN_NOT_FOUND', async () => {
    const res = await build().inject('/api/v2/nothing');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('WEFT_ADMIN_NOT_FOUND');
  });
});

describe('admin auth', () => {
  it('requires the bearer token on every route but the probes', async () => {
    build({}, 's3cret');
    expect((await app!.inject('/healthz')).statusCode).toBe(200);
    expect((await app!.inject('/readyz')).statusCode).toBe(200);
    for (const url of ['/metrics', '/api/v1/proxies', '/api/v1/ca', '/openapi.json', '/api/v1/proxies/x/config']) {
      const missing = await app!.inject(url);
      expect(missing.statusCode).toBe(401);
      expect(missing.json().error.code).toBe('WEFT_ADMIN_UNAUTHORIZED');
      expect(missing.json().error.message).toContain('--admin-token');
      const wrong = await app!.inject({ url, headers: { authorization: 'Bearer s3cre' } });
      expect(wrong.statusCode).toBe(401);
      expect((await app!.inject({ url, headers: { authorization: 'Bearer s3cret' } })).statusCode).not.toBe(401);
    }
  });

  it('refuses to bind a non-loopback address without a token, naming the fix', async () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      const err = await startAdmin({ view: fakeView(), metrics: registry(), host, port: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AdminConfigError);
      expect((err as Error).message).toMatch(/--admin-token.*WEFT_ADMIN_TOKEN/);
    }
  });

  it('binds loopback without a token and serves over HTTP', async () => {
    const running = await startAdmin({ view: fakeView(), metrics: registry(), host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${running.url}/api/v1/proxies`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { proxies: unknown[] }).proxies).toHaveLength(2);
    } finally {
      await running.close();
    }
  });
});
