import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { startAdmin, type RunningAdmin } from '../../src/admin/index.js';
import { configDumpCommand, runConfigDump } from '../../src/cli/config-dump.js';
import { renderProxyDetail, renderProxyTable, runStatus, type CliIo } from '../../src/cli/status.js';
import { renderTable } from '../../src/cli/table.js';
import { fakeView } from './fake-view.js';
import type { ProxyView } from '../../src/controlplane/index.js';

let admin: RunningAdmin;

beforeAll(async () => {
  admin = await startAdmin({ view: fakeView({ leakKey: true }), metrics: new Registry(), host: '127.0.0.1', port: 0, token: 'tok' });
});
afterAll(async () => admin.close());

function io(env: NodeJS.ProcessEnv = { WEFT_ADMIN_URL: admin.url, WEFT_ADMIN_TOKEN: 'tok' }) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t), env };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

describe('renderTable', () => {
  it('aligns columns with two spaces and no trailing blanks', () => {
    expect(renderTable(['A', 'LONGER'], [['xyz', '1'], ['q', '']])).toBe('A    LONGER\nxyz  1\nq\n');
  });
});

describe('weft status', () => {
  it('prints one aligned row per proxy with per-type status', async () => {
    const t = io();
    expect(await runStatus(undefined, {}, t.io)).toBe(0);
    const lines = t.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+IDENTITY\s+CDS\s+LDS\s+EDS\s+RDS\s+SDS\s+VERSION$/);
    expect(lines[1]).toMatch(/^ratings-grpc-1\s+grpc\s+spiffe:\/\/cluster.local\/ns\/shop\/sa\/ratings \(plaintext\)\s+NACKED\s+SYNCED\s+STALE\s+NOT SENT\s+-\s+-$/);
    expect(lines[2]).toMatch(/^reviews-v1-7f9c.default\s+envoy\s+\S+\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+p-1a2b3c$/);
    const identityColumn = lines[0]!.indexOf('IDENTITY');
    expect(lines.slice(1).map((l) => l.indexOf('spiffe://'))).toEqual([identityColumn, identityColumn]);
  });

  it('shows one proxy with its NACK message and the policy file:line', async () => {
    const t = io();
    expect(await runStatus('ratings-grpc-1', {}, t.io)).toBe(0);
    expect(t.out()).toContain('CDS NACKED version c3 at 2026-01-02T03:06:00.000Z: cluster outbound|9080||reviews.default.svc.cluster.local: ring_hash requires a hash policy');
    expect(t.out()).toContain('(from policies/reviews.yaml:12:3)');
    expect(t.out()).toMatch(/^Authenticated:\s+no \(plaintext port\)$/m);
  });

  it('exits 1 with the API message for an unknown proxy, and for a missing token', async () => {
    const t = io();
    expect(await runStatus('ghost', {}, t.io)).toBe(1);
    expect(t.err()).toContain('no connected proxy with id "ghost"');
    const noToken = io({ WEFT_ADMIN_URL: admin.url });
    expect(await runStatus(undefined, {}, noToken.io)).toBe(1);
    expect(noToken.err()).toContain('set --admin-token or WEFT_ADMIN_TOKEN');
  });

  it('says how to fix an unreachable admin API, and exits 2 on a bad format', async () => {
    const t = io({});
    expect(await runStatus(undefined, { adminUrl: 'http://127.0.0.1:1' }, t.io)).toBe(1);
    expect(t.err()).toContain('cannot reach weft admin at http://127.0.0.1:1: is `weft serve` running? set --admin-url');
    expect(await runStatus(undefined, { output: 'xml' }, io().io)).toBe(2);
  });
});

describe('weft config-dump', () => {
  it('prints the desired config of one type as YAML, and the acked config as JSON', async () => {
    const t = io();
    expect(await runConfigDump('ratings-grpc-1', { type: 'cds' }, t.io)).toBe(0);
    expect(parse(t.out())).toEqual([expect.objectContaining({ lb_policy: 'RING_HASH' })]);
    const a = io();
    expect(await runConfigDump('ratings-grpc-1', { acked: true, output: 'json' }, a.io)).toBe(0);
    const acked = JSON.parse(a.out());
    expect(acked.CDS[0].lb_policy).toBeUndefined();
    expect(a.out()).not.toMatch(/PRIVATE KEY/);
  });

  it('parses its flags through commander and exits 2 on an unknown type', async () => {
    const t = io();
    const cmd = configDumpCommand(t.io).exitOverride();
    await cmd.parseAsync(['reviews-v1-7f9c.default', '--type', 'XDS'], { from: 'user' });
    expect(process.exitCode).toBe(2);
    expect(t.err()).toContain('unknown type "XDS"');
    process.exitCode = 0;
  });
});

describe('weft status with identity collisions', () => {
  const base = fakeView().proxies()[0]!;
  const twins: ProxyView[] = [
    { ...base, id: 'web-1', nodeIdCollisions: ['plaintext spiffe://cluster.local/ns/default/sa/web'] },
    { ...base, id: 'web-1', channel: 'plaintext', authenticated: false, nodeIdCollisions: [`mtls ${base.identity}`], refusedServices: ['reviews.default'] },
  ];

  it('marks a node id used by more than one identity or port, and says how to see each', () => {
    const out = renderProxyTable(twins);
    expect(out.split('\n').filter((l) => l.startsWith('web-1 (!)'))).toHaveLength(2);
    expect(out).toContain('(plaintext)');
    expect(out).toContain('`weft status <spiffe-id>|<node-id>` shows each');
  });

  it('shows the other identities and the refused service claims of one proxy', () => {
    const out = renderProxyDetail(twins[1]!);
    expect(out).toMatch(/^Node id shared with:\s+mtls spiffe:/m);
    expect(out).toMatch(/^Refused service claims:\s+reviews.default$/m);
  });
});
