/**
 * `weft serve`'s replica options: what a replica is told (the CA Secret, the Lease and its
 * timings, its identity) and the refusals that would otherwise show up only in a cluster.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { replicaFlags, replicaOptions, type ReplicaFlags } from '../../src/cli/replica-options.js';
import { weft } from './run-weft.js';

function parse(...args: string[]): ReplicaFlags {
  const cmd = new Command('serve').exitOverride().option('--kubernetes').option('--ca-cert <file>');
  for (const o of replicaOptions('weft-7d9f-abc')) cmd.addOption(o);
  cmd.parse(args, { from: 'user' });
  return cmd.opts<ReplicaFlags>();
}

describe('weft serve replica options', () => {
  it('is a single weft (no replica config) unless asked', () => {
    expect(replicaFlags(parse('--kubernetes'))).toBeUndefined();
  });

  it('takes the Secret, the Lease and the identity (default: the pod name) with client-go\'s timings', () => {
    expect(replicaFlags(parse('--kubernetes', '--ca-secret', 'weft-system/weft-ca', '--leader-election'))).toEqual({
      caSecret: { namespace: 'weft-system', name: 'weft-ca' },
      leaderElection: { namespace: 'weft-system', name: 'weft-leader', identity: 'weft-7d9f-abc', leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryMs: 2_000 },
    });
    expect(replicaFlags(parse('--kubernetes', '--leader-election', '--lease', 'mesh/lead', '--leader-identity', 'a', '--lease-duration', '2500ms', '--lease-renew-deadline', '2s', '--lease-retry', '200ms'))).toEqual({
      leaderElection: { namespace: 'mesh', name: 'lead', identity: 'a', leaseDurationSeconds: 3, renewDeadlineMs: 2_000, retryMs: 200 },
    });
  });

  it('refuses replicas without Kubernetes, two CA sources, timings that let two replicas lead, and a malformed reference', () => {
    expect(() => replicaFlags(parse('--ca-secret', 'weft-system/weft-ca'))).toThrow('--ca-secret needs --kubernetes');
    expect(() => replicaFlags(parse('--leader-election'))).toThrow('--leader-election needs --kubernetes');
    expect(() => replicaFlags(parse('--kubernetes', '--ca-secret', 'a/b', '--ca-cert', 'x.crt'))).toThrow('pick one');
    expect(() => replicaFlags(parse('--kubernetes', '--leader-election', '--lease-renew-deadline', '20s'))).toThrow('--lease-retry < --lease-renew-deadline < --lease-duration');
    expect(() => parse('--ca-secret', 'weft-ca')).toThrow('--ca-secret "weft-ca" is not NAMESPACE/NAME');
    expect(() => parse('--lease', 'Weft/Leader')).toThrow('is not NAMESPACE/NAME');
  });

  it('exits 2 with the reason from the real command line', async () => {
    const r = await weft('serve', '--example', '--ca-secret', 'weft-system/weft-ca');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--ca-secret needs --kubernetes');
  });
});
