import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildAdminApp } from '../../src/admin/index.js';
import { fakeView } from './fake-view.js';

let app: FastifyInstance;
afterEach(async () => app.close());

function build(): FastifyInstance {
  app = buildAdminApp({ view: fakeView(), metrics: new Registry() });
  return app;
}

const post = (payload: string | object, type = 'application/json') =>
  app.inject({ method: 'POST', url: '/api/v1/validate', payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': type } });

describe('POST /api/v1/validate', () => {
  it('accepts files as JSON and reports ok', async () => {
    build();
    const res = await post({ files: [{ path: 'mesh.yaml', text: 'kind: Mesh\ntrustDomain: cluster.local\n' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, documents: 1, diagnostics: [] });
  });

  it('answers 200 with ok false and positioned diagnostics for a bad policy', async () => {
    build();
    const res = await post('kind: Mesh\ntrustDomain: cluster.local\nmtls: sometimes\n', 'application/yaml');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.diagnostics[0].source).toMatchObject({ file: 'request.yaml', line: 3 });
    expect(body.formatted[0]).toMatch(/^request\.yaml:3:\d+ /);
  });

  it('rejects malformed JSON, wrong shapes and empty bodies with 400, never 5xx', async () => {
    build();
    const cases: [string | object, string][] = [
      ['{"files": [', 'WEFT_ADMIN_MALFORMED_BODY'],
      [{ files: 'x' }, 'WEFT_ADMIN_BAD_REQUEST'],
      [{ files: [] }, 'WEFT_ADMIN_BAD_REQUEST'],
      [{ files: [{ path: 'a.yaml' }] }, 'WEFT_ADMIN_BAD_REQUEST'],
      [{ files: [{ path: 'a.yaml', text: 'x' }], extra: 1 }, 'WEFT_ADMIN_BAD_REQUEST'],
      ['', 'WEFT_ADMIN_MALFORMED_BODY'],
    ];
    for (const [payload, code] of cases) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code, JSON.stringify(payload)).toBe(code);
    }
  });

  it('answers 413 for a body over 1 MiB and 415 for unsupported content types', async () => {
    build();
    const big = await post({ files: [{ path: 'a.yaml', text: 'x'.repeat(1024 * 1024 + 10) }] });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('WEFT_ADMIN_BODY_TOO_LARGE');
    const bigYaml = await post('#'.repeat(1024 * 1024 + 10), 'application/yaml');
    expect(bigYaml.statusCode).toBe(413);
    const text = await post('kind: Mesh', 'text/plain');
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('WEFT_ADMIN_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /openapi.json', () => {
  it('describes every registered route with its schemas, and nothing else', async () => {
    build();
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    // printRoutes is fastify's own view of what is registered, independent of the onRoute hook.
    const printed = app.printRoutes({ commonPrefix: false });
    const leaves = printed.split('\n').filter((l) => /\(/.test(l)).length;
    expect(documented).toHaveLength(leaves);
    for (const entry of documented) {
      const [method, url] = entry.split(' ') as [string, string];
      expect(app.hasRoute({ method: method as 'GET', url }), entry).toBe(true);
    }
    expect(documented.sort()).toEqual([
      'GET /api/v1/ca', 'GET /api/v1/edges', 'GET /api/v1/graph', 'GET /api/v1/policy', 'GET /api/v1/proxies', 'GET /api/v1/proxies/:id', 'GET /api/v1/proxies/:id/config',
      'GET /api/v1/services', 'GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /readyz', 'GET /ui', 'GET /ui/map.css', 'GET /ui/map.js', 'POST /api/v1/validate',
    ]);
    for (const item of Object.values(doc.paths as Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>>)) {
      for (const op of Object.values(item)) expect(Object.values(op.responses['200']!.content)[0]!.schema).toBeTypeOf('object');
    }
    expect(doc.paths['/api/v1/proxies/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(Object.keys(doc.paths['/api/v1/validate'].post.requestBody.content)).toEqual(['application/json', 'application/yaml']);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });
});
