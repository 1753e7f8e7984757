import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeServer } from './fake-kube-server.js';
import { service } from './kube-fixtures.js';

let server: FakeKubeServer;

describe('the fake Kubernetes API server speaks list/watch', () => {
  beforeEach(async () => {
    server = await FakeKubeServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers a list at a compacted resourceVersion with HTTP 410 and an Expired Status', async () => {
    server.apply('services', service('a', [{ name: 'http', port: 80 }]));
    const old = server.resourceVersion;
    server.apply('services', service('b', [{ name: 'http', port: 80 }]));
    server.compact();
    const res = await fetch(`${server.url}/api/v1/services?resourceVersion=${old}`);
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const fresh = await fetch(`${server.url}/api/v1/namespaces/default/services`);
    const list = (await fresh.json()) as { kind: string; items: { metadata: { name: string } }[]; metadata: { resourceVersion: string } };
    expect(list.kind).toBe('ServiceList');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['a', 'b']);
    expect(list.metadata.resourceVersion).toBe(String(server.resourceVersion));
  });

  it('streams replayed and live events as newline-delimited JSON, then a 410 ERROR on expiry', async () => {
    const since = server.resourceVersion;
    server.apply('services', service('a', [{ name: 'http', port: 80 }]));
    const res = await fetch(`${server.url}/api/v1/services?watch=true&resourceVersion=${since}&allowWatchBookmarks=true`);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    server.delete('services', 'default', 'a');
    server.bookmark();
    setTimeout(() => server.expireWatches(), 50);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { code?: number; reason?: string } });
    expect(lines.map((l) => l.type)).toEqual(['ADDED', 'DELETED', 'BOOKMARK', 'ERROR']);
    expect(lines[3]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });
});
