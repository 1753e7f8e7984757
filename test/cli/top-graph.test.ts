/**
 * `weft graph` and `weft top` against a real admin server (fake view with edges): dot and JSON
 * output of the service map; `weft top` redrawing in a pseudo-terminal (util-linux `script`) and
 * quitting on `q`, and printing plainly when not on a terminal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildAdminApp } from '../../src/admin/index.js';
import type { EdgeView } from '../../src/controlplane/index.js';
import { fakeView } from '../admin/fake-view.js';
import { weft } from './run-weft.js';

const edge = (subset: string, rps: number, errorRate: number, p99Ms: number): EdgeView => ({
  sourceNamespace: 'shop', sourceWorkload: 'ratings', destinationService: 'reviews.default.svc.cluster.local', destinationPort: '9080', destinationSubset: subset,
  requestsPerSecond: rps, errorRate, p99Ms, totals: { requests: Math.round(rps * 30), errors: 0, grpcErrors: 0, byClass: {} }, lastSeen: 0,
});
const EDGES = [edge('v1', 4.5, 0, 12.25), edge('v2', 0.5, 0.5, 80)];
const hasScript = spawnSync('script', ['--version']).status === 0;
const tsx = createRequire(import.meta.url).resolve('tsx');

let app: FastifyInstance;
let url = '';

beforeAll(async () => {
  app = buildAdminApp({ view: fakeView({ edges: EDGES }), metrics: new Registry() });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

describe('weft graph', () => {
  it('printsDotWithNamespacesNackedProxiesAndTrafficFigures', async () => {
    const r = await weft('graph', '--admin-url', url);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^digraph weft \{/);
    expect(r.out).toContain('label="namespace default"');
    expect(r.out).toContain('"ratings.shop" -> "reviews.default" [label="v2 0.5 rps, 50% err, p99 80 ms", color=red');
    expect(r.out).toContain('"reviews.default" [label="reviews\\n1 proxy"]');
    expect(r.out).toContain('"ratings.shop" [label="ratings\\n1 proxy, 1 NACKED", color=red, style="rounded,dashed"]');
  });

  it('printsTheApiJson', async () => {
    const r = await weft('graph', '--admin-url', url, '-o', 'json');
    expect(JSON.parse(r.out)).toEqual(await (await fetch(`${url}/api/v1/graph`)).json());
    expect((await weft('graph', '--admin-url', url, '-o', 'svg')).code).toBe(2);
  });
});

describe('weft top', () => {
  it('printsTheTableOncePerRefreshWhenNotOnATerminal', async () => {
    const r = await weft('top', '--admin-url', url, '-n', '2', '--interval', '0.2');
    expect(r.code).toBe(0);
    expect(r.out.match(/weft top — 2 edges/g)).toHaveLength(2);
    const v1 = r.out.split('\n').find((l) => l.includes(' v1 '))!;
    expect(v1.split(/\s+/)).toEqual(['ratings.shop', 'reviews.default.svc.cluster.local:9080', 'v1', '4.50', '0.0%', '12.3', '135']);
    expect(r.out.indexOf(' v1 ')).toBeLessThan(r.out.indexOf(' v2 '));
    expect(r.out).not.toContain('\x1b[2J');
  });

  it.skipIf(!hasScript)(hasScript ? 'redrawsInAPseudoTerminalAndQuitsOnQ' : 'redrawsInAPseudoTerminalAndQuitsOnQ (skipped: no util-linux script)', async () => {
    const cmd = `${process.execPath} --import ${tsx} test/cli/weft-entry.ts top --admin-url ${url} --interval 0.2`;
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await expect.poll(() => (out.match(/\x1b\[H\x1b\[2J/g) ?? []).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect(out).toContain('ratings.shop');
    child.stdin.write('q');
    expect(await exited).toBe(0);
  }, 30_000);
});
