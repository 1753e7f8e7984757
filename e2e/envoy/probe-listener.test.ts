/**
 * The probe listener with real Envoy: the static listener and loopback clusters that `weft inject`
 * puts in a pod's bootstrap for rewritten kubelet probes (controlplane/probe-listener.ts). A
 * "kubelet" request to :15020/app-health/<container>/<probe> reaches the application's original
 * path (query included) with the probe's headers, in plaintext on 127.0.0.1; any other path is
 * Envoy's 404 and never reaches the application; an application that is down answers 503.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeResources } from '../../src/controlplane/index.js';
import { names } from '../../src/translate/index.js';
import { NO_ENVOY, envoyBin } from './env.js';
import { acquireMeshLock, releaseMeshLock } from './lock.js';

const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let app: Server;
let appPort = 0;
let envoy: ChildProcess | undefined;
let log = '';

function get(pathname: string): Promise<{ status: number; body: string }> {
  return fetch(`http://127.0.0.1:${names.PROBE_PORT}${pathname}`).then(async (r) => ({ status: r.status, body: await r.text() }));
}

beforeAll(async () => {
  if (!envoyBin) return;
  app = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    res.writeHead(req.url!.startsWith('/ready') ? 200 : 500).end('app');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appPort = (app.address() as { port: number }).port;
  const probes = probeResources([
    { path: '/app-health/api/readyz', appPath: '/ready?verbose=1', appPort, headers: [{ name: 'X-Probe', value: 'kubelet' }], timeoutSeconds: 2 },
    { path: '/app-health/api/livez', appPath: '/live', appPort, headers: [], timeoutSeconds: 1 },
    { path: '/app-health/down/livez', appPath: '/live', appPort: 1, headers: [], timeoutSeconds: 1 },
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-probe-envoy-'));
  const file = path.join(dir, 'envoy.json');
  writeFileSync(file, JSON.stringify({
    admin: { address: { pipe: { path: path.join(dir, 'admin.sock') } } },
    static_resources: { listeners: [probes.listener], clusters: probes.clusters },
  }));
  await acquireMeshLock();
  envoy = spawn(envoyBin, ['-c', file, '--disable-hot-restart', '--log-level', 'warn', '--base-id', String(process.pid % 60000)], { stdio: ['ignore', 'ignore', 'pipe'] });
  envoy.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (envoy.exitCode !== null) throw new Error(`envoy exited ${envoy.exitCode}: ${log}`);
    if (await get('/app-health/api/readyz').then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`envoy did not listen on ${names.PROBE_PORT}: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  if (envoy && envoy.exitCode === null) {
    const exited = new Promise((r) => envoy!.once('exit', r));
    envoy.kill('SIGTERM');
    await exited;
  }
  app?.close();
  await releaseMeshLock();
});

describe.skipIf(!envoyBin)(envoyBin ? 'the probe listener (real Envoy)' : `the probe listener (skipped: ${NO_ENVOY})`, () => {
  it('forwardsARewrittenProbeToTheApplicationsOriginalPathWithItsHeaders', async () => {
    seen.length = 0;
    expect(await get('/app-health/api/readyz')).toEqual({ status: 200, body: 'app' });
    expect(seen.map((s) => s.url)).toEqual(['/ready?verbose=1']);
    expect(seen[0]!.headers['x-probe']).toBe('kubelet');
  });

  it('passesTheApplicationsFailureThrough', async () => {
    seen.length = 0;
    expect((await get('/app-health/api/livez')).status).toBe(500);
    expect(seen.map((s) => s.url)).toEqual(['/live']);
  });

  it('answersAnyOtherPathWith404WithoutReachingTheApplication', async () => {
    seen.length = 0;
    for (const p of ['/ready', '/app-health/api', '/app-health/api/readyz/x', '/app-health/other/readyz', '/']) expect((await get(p)).status, p).toBe(404);
    // A request the application does answer afterwards shows none of the above reached it.
    await get('/app-health/api/readyz');
    expect(seen.map((s) => s.url)).toEqual(['/ready?verbose=1']);
  });

  it('failsTheProbeWhenTheApplicationIsDown', async () => {
    expect((await get('/app-health/down/livez')).status).toBe(503);
  });
});
