/**
 * The policy directory is read as files inside it only: links that leave it, FIFOs and
 * oversized content are refused, and what such a file holds never shows in a diagnostic.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDiagnostic, loadPolicyDir } from '../../src/policy/index.js';
import { readFileInside } from '../../src/policy/safe-read.js';
import { where, y } from './helpers.js';

const good = y('kind: TrafficPolicy', 'service: ratings', 'loadBalancer: random');
const SECRET = 'weft-test-secret-7f3a9c';

let base = '';
let dir = '';
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'weft-dirsafety-'));
  dir = path.join(base, 'policy');
  await mkdir(dir);
  await writeFile(path.join(dir, 'ratings.yaml'), good);
});
afterEach(() => rm(base, { recursive: true, force: true }));

/** Everything a load shows an operator: the formatted diagnostics and their raw fields. */
async function shown(): Promise<{ ok: boolean; codes: string[]; text: string }> {
  const r = await loadPolicyDir(dir);
  return { ok: r.ok, codes: r.diagnostics.map(where), text: r.diagnostics.map((d) => `${formatDiagnostic(d)}\n${JSON.stringify(d)}`).join('\n') };
}

/** `KEY=value` entries of this process's initial environment, long enough to be recognisable. */
function environEntries(): string[] {
  return readFileSync('/proc/self/environ', 'latin1').split('\0').filter((e) => e.length >= 12);
}

describe('policyDirReadsOnlyFilesInside', () => {
  it.skipIf(process.platform !== 'linux')('refuses a symlink to /proc/self/environ and echoes none of it', async () => {
    await symlink('/proc/self/environ', path.join(dir, 'env.yaml'));
    const s = await shown();
    expect(s.ok).toBe(false);
    expect(s.codes).toEqual([`WEFT1019  @ ${path.join(dir, 'env.yaml')}:1:1`]);
    const entries = environEntries();
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(s.text).not.toContain(e);
  });

  it('refuses a symlink to a policy file outside the directory, which would otherwise load', async () => {
    await writeFile(path.join(base, 'outside.yaml'), y('kind: Mesh', `trustDomain: ${SECRET}.example`));
    await symlink(path.join(base, 'outside.yaml'), path.join(dir, 'mesh.yaml'));
    const s = await shown();
    expect(s.ok).toBe(false);
    expect(s.codes).toEqual([`WEFT1019  @ ${path.join(dir, 'mesh.yaml')}:1:1`]);
    expect(s.text).not.toContain(SECRET);
  });

  it('refuses a relative symlink that climbs out with ..', async () => {
    await writeFile(path.join(base, 'outside.yaml'), good.replace('ratings', 'details'));
    await symlink('../outside.yaml', path.join(dir, 'details.yaml'));
    expect((await shown()).codes).toEqual([`WEFT1019  @ ${path.join(dir, 'details.yaml')}:1:1`]);
  });

  it('refuses a symlinked directory outside, and does not walk it', async () => {
    await mkdir(path.join(base, 'elsewhere'));
    await writeFile(path.join(base, 'elsewhere', 'x.yaml'), y('kind: Mesh', `trustDomain: ${SECRET}.example`));
    await symlink(path.join(base, 'elsewhere'), path.join(dir, 'team'));
    const s = await shown();
    expect(s.codes).toEqual([`WEFT1019  @ ${path.join(dir, 'team')}:1:1`]);
    expect(s.text).not.toContain(SECRET);
  });

  it('follows links that stay inside, as a ConfigMap volume is built, and survives a link loop', async () => {
    await mkdir(path.join(dir, '..2026_01_01'));
    await writeFile(path.join(dir, '..2026_01_01', 'details.yaml'), good.replace('ratings', 'details'));
    await symlink('..2026_01_01', path.join(dir, '..data'));
    await symlink('..data/details.yaml', path.join(dir, 'details.yaml'));
    await symlink('.', path.join(dir, 'loop'));
    const r = await loadPolicyDir(dir);
    if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
    expect(r.policy.files).toEqual(['details.yaml', 'ratings.yaml']);
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    expect((await shown()).codes).toEqual([`WEFT1019  @ ${path.join(dir, 'pipe.yaml')}:1:1`]);
  });

  it('escapes control characters in what it does echo', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), y('kind: "Mesh\\u001b[2J\\u202e"'));
    const s = await shown();
    expect(s.codes).toEqual([`WEFT1006 kind @ ${path.join(dir, 'bad.yaml')}:1:7`]);
    expect(s.text).not.toMatch(/[\u001b\u202e]/);
    expect(s.text).toContain('\\u001b');
  });

  it('quotes at most 80 characters of an offending value', async () => {
    await writeFile(path.join(dir, 'long.yaml'), y('kind: Mesh', `mtls: ${SECRET}${'x'.repeat(5000)}`));
    const s = await shown();
    expect(s.codes).toEqual([`WEFT1009 mtls @ ${path.join(dir, 'long.yaml')}:2:7`]);
    const r = await loadPolicyDir(dir);
    expect(r.diagnostics[0]!.message.length).toBeLessThan(200);
  });
});

describe('readFileInsideBoundsTheRead', () => {
  it.skipIf(process.platform !== 'linux')('stops at the limit even where stat reports size 0', async () => {
    const r = await readFileInside(await realpath('/proc/self'), '/proc/self/environ', 8);
    expect(r).toEqual({ ok: false, refusal: { kind: 'too-large' } });
  });

  it('reads a file of exactly the limit', async () => {
    await writeFile(path.join(dir, 'x.yaml'), 'a'.repeat(16));
    const r = await readFileInside(await realpath(dir), path.join(dir, 'x.yaml'), 16);
    expect(r.ok && r.bytes.length).toBe(16);
  });
});
