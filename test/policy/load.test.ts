import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyDir } from '../../src/policy/index.js';
import { load, where, y } from './helpers.js';

const good = y('kind: TrafficPolicy', 'service: ratings', 'loadBalancer: random');

describe('loadPolicyDocuments', () => {
  it('rejects the whole load when one document among good ones is bad', () => {
    const r = load({
      'a.yaml': y('kind: Mesh', '---', 'kind: AccessPolicy', 'service: reviews', 'action: maybe', '---', good),
      'b.yaml': good.replace('ratings', 'details'),
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(['WEFT1009 action @ a.yaml:5:9']);
    expect(r.documents).toBe(4);
  });

  it('refuses an alias bomb in well under a second with one diagnostic', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 0; i < 40; i++) {
      const prev = i === 0 ? 'a' : `n${i - 1}`;
      lines.push(`n${i}: &n${i} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const start = performance.now();
    const r = load(y('kind: Mesh', ...lines));
    const elapsed = performance.now() - start;
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['WEFT1011']);
    expect(elapsed).toBeLessThan(250);
  });

  it('computes the version from sorted (path, content) pairs, independent of input order', () => {
    const a = load({ 'a.yaml': good, 'b.yaml': y('kind: Mesh') });
    const b = load({ 'b.yaml': y('kind: Mesh'), 'a.yaml': good });
    const c = load({ 'a.yaml': good, 'b.yaml': y('kind: Mesh', 'mtls: permissive') });
    if (!a.ok || !b.ok || !c.ok) throw new Error('fixtures must load');
    expect(a.policy.version).toMatch(/^[0-9a-f]{12}$/);
    expect(a.policy.version).toBe(b.policy.version);
    expect(c.policy.version).not.toBe(a.policy.version);
    expect(a.policy.files).toEqual(['a.yaml', 'b.yaml']);
  });

  it('skips empty documents between good ones', () => {
    const r = load({ 'a.yaml': `---\n# just a comment\n---\n${good}---\n` });
    expect(r.ok).toBe(true);
    expect(r.documents).toBe(1);
  });
});

describe('loadPolicyDir', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'weft-policy-'));
    await mkdir(path.join(dir, 'team', 'nested'), { recursive: true });
    await mkdir(path.join(dir, '..data'));
    await writeFile(path.join(dir, 'mesh.yml'), y('kind: Mesh', 'mtls: permissive'));
    await writeFile(path.join(dir, 'team', 'nested', 'ratings.yaml'), good);
    await writeFile(path.join(dir, 'README.md'), '# not policy');
    await writeFile(path.join(dir, '..data', 'details.yaml'), good.replace('ratings', 'details'));
    await symlink(path.join(dir, '..data', 'details.yaml'), path.join(dir, 'details.yaml'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads yaml and yml files recursively, follows file symlinks and skips dot-directories', async () => {
    const r = await loadPolicyDir(dir);
    if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
    expect(r.policy.files).toEqual(['details.yaml', 'mesh.yml', 'team/nested/ratings.yaml']);
    expect([...r.policy.traffic.keys()]).toEqual(['details.default', 'ratings.default']);
    expect(r.policy.mesh.mtls).toBe('permissive');
  });

  it('names files under the directory in diagnostics and refuses oversized files', async () => {
    const r = await loadPolicyDir(dir, { maxFileBytes: 30 });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toContain(`WEFT1010  @ ${path.join(dir, 'team/nested/ratings.yaml')}:1:1`);
  });

  it('refuses a file whose whole content is gone, where deleting the file would be legal', async () => {
    await writeFile(path.join(dir, 'team', 'access.yaml'), '');
    try {
      const r = await loadPolicyDir(dir);
      expect(r.ok).toBe(false);
      expect(r.diagnostics.map(where)).toEqual([`WEFT1020  @ ${path.join(dir, 'team/access.yaml')}:1:1`]);
    } finally {
      await rm(path.join(dir, 'team', 'access.yaml'));
    }
    expect((await loadPolicyDir(dir)).ok).toBe(true);
  });

  it('reports a missing directory as a diagnostic instead of throwing', async () => {
    const r = await loadPolicyDir(path.join(dir, 'nope'));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['WEFT1016']);
  });
});

describe('emptyPolicyFileIsRefused', () => {
  it.each([
    ['empty', ''],
    ['whitespace only', '  \n\t\n'],
    ['comments only', '# access rules\n# (none yet)\n'],
    ['document markers only', '---\n---\n...\n'],
  ])('refuses a file that is %s with WEFT1020 at 1:1', (_name, text) => {
    const r = load({ 'a.yaml': good, 'access.yaml': text });
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual(['WEFT1020  @ access.yaml:1:1']);
  });
});
