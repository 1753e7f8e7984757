/**
 * A port another process holds is a StartError that names the port, who may hold it and the flag
 * to change it (not a grpc-js stack trace), and nothing is left listening.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWeft } from '../../src/cli/run.js';
import { StartError, memoryLogger } from '../../src/controlplane/index.js';
import { writeMesh } from './mesh.js';

let holder: net.Server;
let held: number;

beforeAll(async () => {
  holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  held = (holder.address() as net.AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => holder.close(() => r())));

async function start(xdsPort: number, adminPort: number) {
  const mesh = await writeMesh({ v1: 1, v2: 2 });
  return startWeft({
    policyDir: mesh.policyDir, registry: { kind: 'static', file: mesh.registryFile }, stateDir: mesh.stateDir,
    xds: { host: '127.0.0.1', port: xdsPort }, admin: { host: '127.0.0.1', port: adminPort }, svidTtlMs: 3600_000, log: memoryLogger(),
  });
}

describe('ports in use', () => {
  it('names the xDS port and --xds-port, and grpc-js prints nothing of its own', async () => {
    const printed = vi.spyOn(console, 'error');
    try {
      const err = await start(held, 0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartError);
      expect((err as Error).message).toBe(`xDS (mTLS) port ${held} on 127.0.0.1 is already in use (another weft? \`ss -ltnp 'sport = :${held}'\` shows who holds it); pick another with --xds-port`);
      // grpc-js's own "E No address added out of total 1 resolved" line went to console.error.
      expect(printed.mock.calls.map((c) => c.join(' '))).toEqual([]);
    } finally {
      printed.mockRestore();
    }
  });

  it('names the admin port and --admin-port', async () => {
    const err = await start(0, held).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartError);
    expect((err as Error).message).toContain(`admin API port ${held} on 127.0.0.1 is already in use`);
    expect((err as Error).message).toContain('--admin-port');
  });
});
