/**
 * Route status is written by the leader only: a follower keeps the last load's diagnostics and
 * writes them the moment it starts leading; a leader that loses the Lease stops between two
 * route writes.
 */
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/policy/index.js';
import { LeaderRouteStatus, type RouteStatusSource } from '../../src/controlplane/leader-status.js';
import type { LeaderGate } from '../../src/controlplane/replicas.js';
import { memoryLogger } from '../../src/controlplane/index.js';

class FakeGate implements LeaderGate {
  isLeader = false;
  readonly description = 'Lease test/lead (this replica: a)';
  private readonly fns = new Set<(l: boolean) => void>();
  onChange(fn: (l: boolean) => void) {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  set(l: boolean) {
    this.isLeader = l;
    this.fns.forEach((f) => f(l));
  }
  stop = async () => undefined;
}

/** Three routes; each write is recorded, and `during` runs after the first one. */
function source(during: () => void = () => undefined) {
  const writes: string[][] = [];
  const routes: RouteStatusSource = {
    files: () => [],
    onChange: () => undefined,
    stop: async () => undefined,
    async writeStatus(d, _now, proceed) {
      const batch: string[] = [];
      writes.push(batch);
      for (const name of ['r1', 'r2', 'r3']) {
        if (!proceed()) return;
        batch.push(`${name}:${d.map((x) => x.code).join(',')}`);
        if (name === 'r1') during();
      }
    },
  };
  return { routes, writes };
}

const diag = (code: string): Diagnostic => ({ code, severity: 'error', message: code });

describe('route status under the Lease', () => {
  it('a follower writes nothing, then the last load\'s status as soon as it leads', async () => {
    const gate = new FakeGate();
    const { routes, writes } = source();
    const status = new LeaderRouteStatus(routes, gate, memoryLogger());
    await status.loaded([diag('WEFT2061')]);
    await status.loaded([]);
    expect(writes).toEqual([]);
    gate.set(true);
    await Promise.resolve();
    expect(writes).toEqual([['r1:', 'r2:', 'r3:']]);
    await status.loaded([diag('WEFT2061')]);
    expect(writes[1]).toEqual(['r1:WEFT2061', 'r2:WEFT2061', 'r3:WEFT2061']);
  });

  it('a leader that loses the Lease mid-write stops before the next route, and writes nothing after', async () => {
    const gate = new FakeGate();
    gate.set(true);
    const { routes, writes } = source(() => gate.set(false));
    const status = new LeaderRouteStatus(routes, gate, memoryLogger());
    await status.loaded([]);
    expect(writes).toEqual([['r1:']]);
    await status.loaded([]);
    expect(writes).toEqual([['r1:']]);
  });

  it('stop() unsubscribes: leading after stop writes nothing', async () => {
    const gate = new FakeGate();
    const { routes, writes } = source();
    const status = new LeaderRouteStatus(routes, gate, memoryLogger());
    await status.loaded([]);
    await status.stop();
    gate.set(true);
    await Promise.resolve();
    expect(writes).toEqual([]);
  });
});
