import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { Registry } from 'prom-client';
import { buildAdminApp, isLoopbackHost, startAdmin } from '../../src/admin/index.js';
import { hostOfAuthority, isSameOrigin } from '../../src/admin/host-guard.js';
import type { ControlPlaneOperations } from '../../src/controlplane/index.js';
import { fakeView } from './fake-view.js';

/** Operations that record every rotation step they were asked to take. */
function recordingOperations(): ControlPlaneOperations & { steps: string[] } {
  const steps: string[] = [];
  return {
    steps,
    rotateRoot: async (step) => {
      steps.push(step);
      return { ok: true, phase: { root: 'trust-both' }, bundleSequence: steps.length };
    },
  };
}

/** The status of a request sent over real HTTP with exactly these headers (fetch may not set Host). */
function statusOver(url: string, headers: Record<string, string>, method = 'GET', body = ''): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject).end(body);
  });
}

/** The status line answering `raw` sent on a plain TCP connection (an HTTP/1.0 request may omit Host). */
function rawStatusLine(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(Number(port), hostname, () => socket.end(raw));
    socket.on('data', (d) => (got += d.toString('latin1'))).on('end', () => resolve(got.split('\r\n')[0] ?? '')).on('error', reject);
  });
}

let app: FastifyInstance | undefined;
let ops: ReturnType<typeof recordingOperations>;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function build(token?: string): FastifyInstance {
  ops = recordingOperations();
  app = buildAdminApp({ view: fakeView(), metrics: new Registry(), operations: ops, ...(token ? { token } : {}) });
  return app;
}

const rotate = (headers: Record<string, string>): InjectOptions => ({
  method: 'POST', url: '/api/v1/ca/rotation', payload: { step: 'begin' }, headers: { host: '127.0.0.1:18001', ...headers },
});

describe('admin API without a token: DNS rebinding', () => {
  it('refusesRebindedHostNamesWith421', async () => {
    build();
    for (const host of ['evil.example', 'evil.example:18001', '127.0.0.1.evil.example', 'localhost.evil.example:18001', 'foo.localhost', '10.0.0.1:18001']) {
      for (const url of ['/api/v1/proxies', '/healthz', '/api/v1/proxies/x/config', '/no/such/route']) {
        const res = await app!.inject({ url, headers: { host } });
        expect(res.statusCode, `${host} ${url}`).toBe(421);
        expect(res.json().error.code).toBe('WEFT_ADMIN_HOST_NOT_ALLOWED');
        expect(res.body).not.toContain('reviews');
      }
    }
    const rebound = await app!.inject(rotate({ host: 'evil.example:18001', origin: 'http://evil.example:18001' }));
    expect(rebound.statusCode).toBe(421);
    expect(ops.steps).toEqual([]);
  });

  it('acceptsLoopbackNamesAndAddressesWithOrWithoutPort', async () => {
    build();
    for (const host of ['127.0.0.1:18001', '127.0.0.1', 'localhost:18001', 'LOCALHOST', '127.8.9.10:18001', '[::1]:18001', '[::1]', '[::ffff:127.0.0.1]:18001']) {
      const res = await app!.inject({ url: '/api/v1/proxies', headers: { host } });
      expect(res.statusCode, host).toBe(200);
      expect(res.json().proxies).toHaveLength(2);
    }
  });

  it('refusesMalformedHostHeaders', async () => {
    build();
    for (const host of ['::1', '[::1', '127.0.0.1:', '127.0.0.1:99999', 'localhost:18001:1', '[evil.example]:1', '[127.0.0.1]:18001']) {
      expect((await app!.inject({ url: '/api/v1/proxies', headers: { host } })).statusCode, JSON.stringify(host)).toBe(421);
    }
  });

  it('refusesCrossOriginStateChangesWith403', async () => {
    build();
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: 'http://localhost:3000' },
      { origin: 'http://localhost:18001' },
      { origin: 'https://127.0.0.1:18001' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://127.0.0.1:18001', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of refused) {
      const res = await app!.inject(rotate(headers));
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
      expect(res.json().error.code).toBe('WEFT_ADMIN_CROSS_ORIGIN');
    }
    const validate = await app!.inject({ method: 'POST', url: '/api/v1/validate', headers: { host: 'localhost:18001', origin: 'http://evil.example' }, payload: { files: [] } });
    expect(validate.statusCode).toBe(403);
    expect(ops.steps).toEqual([]);
  });

  it('acceptsSameOriginAndToolStateChanges', async () => {
    build();
    const accepted: Record<string, string>[] = [
      {},
      { origin: 'http://127.0.0.1:18001' },
      { origin: 'http://127.0.0.1:18001', 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
    ];
    for (const headers of accepted) expect((await app!.inject(rotate(headers))).statusCode, JSON.stringify(headers)).toBe(200);
    const v6 = await app!.inject(rotate({ host: '[::1]:18001', origin: 'http://[::1]:18001' }));
    expect(v6.statusCode).toBe(200);
    expect(ops.steps).toHaveLength(5);
  });

  it('readsCrossOriginGetsButSendsNoCorsHeaders', async () => {
    build();
    const res = await app!.inject({ url: '/api/v1/proxies', headers: { host: '127.0.0.1:18001', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('servesTheCliButRefusesRebindingAndCsrfOverRealHttp', async () => {
    const steps = recordingOperations();
    const running = await startAdmin({ view: fakeView(), metrics: new Registry(), operations: steps, host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`${running.url}/api/v1/ca/rotation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"step":"begin"}' });
      expect(res.status).toBe(200);
      expect(await statusOver(`${running.url}/api/v1/proxies`, { host: 'evil.example:18001' })).toBe(421);
      const csrf = { host: new URL(running.url).host, origin: 'http://evil.example', 'content-type': 'application/json' };
      expect(await statusOver(`${running.url}/api/v1/ca/rotation`, csrf, 'POST', '{"step":"advance"}')).toBe(403);
      expect(await rawStatusLine(running.url, 'GET /api/v1/proxies HTTP/1.0\r\n\r\n')).toBe('HTTP/1.1 421 Misdirected Request');
      expect(steps.steps).toEqual(['begin']);
    } finally {
      await running.close();
    }
  });
});

describe('admin API with a token', () => {
  it('requiresTheTokenForEveryStateChangeWhateverTheOrigin', async () => {
    build('s3cret');
    const none = await app!.inject(rotate({}));
    expect([none.statusCode, none.json().error.code]).toEqual([401, 'WEFT_ADMIN_UNAUTHORIZED']);
    const wrong = await app!.inject(rotate({ authorization: 'Bearer s3cre' }));
    expect(wrong.statusCode).toBe(401);
    expect(ops.steps).toEqual([]);
    const withToken = await app!.inject(rotate({ authorization: 'Bearer s3cret' }));
    expect(withToken.statusCode).toBe(200);
    const otherHost = await app!.inject(rotate({ host: 'weft.mesh.internal:18001', origin: 'http://evil.example', authorization: 'Bearer s3cret' }));
    expect(otherHost.statusCode).toBe(200);
    expect(ops.steps).toEqual(['begin', 'begin']);
  });

  it('refusesEveryNonProbeRouteWithoutTheTokenOnAnyHost', async () => {
    build('s3cret');
    for (const host of ['127.0.0.1:18001', 'evil.example']) {
      expect((await app!.inject({ url: '/api/v1/proxies', headers: { host } })).statusCode).toBe(401);
    }
  });
});

describe('host and origin parsing', () => {
  it('splitsHostHeadersIntoTheirHost', () => {
    expect(hostOfAuthority('localhost:18001')).toBe('localhost');
    expect(hostOfAuthority('[::1]:18001')).toBe('[::1]');
    expect(hostOfAuthority('::1')).toBeUndefined();
    expect(isLoopbackHost('[::ffff:7f00:1]')).toBe(true);
  });

  it('comparesOriginsWithTheHostAsBrowsersSerialiseThem', () => {
    expect(isSameOrigin('http://localhost', 'localhost:80')).toBe(true);
    expect(isSameOrigin('http://localhost:18001', 'LOCALHOST:18001')).toBe(true);
    expect(isSameOrigin('http://localhost:18001/', 'localhost:18001')).toBe(false);
    expect(isSameOrigin('http://evil.example', 'evil.example')).toBe(false);
  });
});
