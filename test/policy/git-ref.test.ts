/**
 * `--policy-ref`: policy read from a git commit's tree, never the work tree, in a real temporary
 * repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicySource } from '../../src/controlplane/policy-source.js';
import { loadPolicyCommit, loadPolicyDir, validatePolicyCommand } from '../../src/policy/index.js';
import { where, y } from './helpers.js';

const ratings = y('kind: TrafficPolicy', 'service: ratings', 'loadBalancer: random');
const access = y('kind: AccessPolicy', 'service: reviews', 'rules:', '  - from: [{ serviceAccount: productpage }]');

let repo = '';
let dir = '';
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();

async function commitAll(message: string): Promise<string> {
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

beforeEach(async () => {
  repo = await mkdtemp(path.join(tmpdir(), 'weft-gitref-'));
  dir = path.join(repo, 'policy');
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'weft test');
  git('config', 'user.email', 'test@weft.invalid');
  git('config', 'commit.gpgsign', 'false');
  await mkdir(path.join(dir, 'team'), { recursive: true });
  await writeFile(path.join(dir, 'ratings.yaml'), ratings);
  await writeFile(path.join(dir, 'team', 'access.yaml'), access);
  await writeFile(path.join(repo, 'outside.yaml'), 'not: policy\n');
  await commitAll('policy');
});
afterEach(() => rm(repo, { recursive: true, force: true }));

describe('loadPolicyCommitReadsTheCommitNotTheWorkTree', () => {
  it('loads the committed files while the work tree is half written', async () => {
    const head = git('rev-parse', 'HEAD');
    await writeFile(path.join(dir, 'team', 'access.yaml'), '');
    await writeFile(path.join(dir, 'half.yaml'), 'kind: Traffic');
    expect((await loadPolicyDir(dir)).ok).toBe(false);
    const r = await loadPolicyCommit(dir, 'HEAD');
    if (!r.ok) throw new Error(r.diagnostics.map(where).join('\n'));
    expect(r.commit).toBe(head);
    expect(r.policy.files).toEqual(['ratings.yaml', 'team/access.yaml']);
    expect([...r.policy.access.keys()]).toEqual(['reviews.default']);
  });

  it('gives the same version as the work tree for the same content', async () => {
    const fromTree = await loadPolicyDir(dir);
    const fromCommit = await loadPolicyCommit(dir, 'main');
    if (!fromTree.ok || !fromCommit.ok) throw new Error('fixtures must load');
    expect(fromCommit.policy.version).toBe(fromTree.policy.version);
  });

  it('names files of a bad commit as <commit>:<path> with line and column', async () => {
    await writeFile(path.join(dir, 'bad.yaml'), y('kind: Mesh', 'mtls: sometimes'));
    const head = (await commitAll('bad')).slice(0, 12);
    const r = await loadPolicyCommit(dir, 'HEAD');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(where)).toEqual([`WEFT1009 mtls @ ${head}:policy/bad.yaml:2:7`]);
  });

  it('refuses an empty file and a symlink committed to the tree', async () => {
    await writeFile(path.join(dir, 'empty.yaml'), '# cut off\n');
    await symlink('/proc/self/environ', path.join(dir, 'env.yaml'));
    const head = (await commitAll('odd files')).slice(0, 12);
    const r = await loadPolicyCommit(dir, 'HEAD');
    expect(r.diagnostics.map(where)).toEqual([`WEFT1019  @ ${head}:policy/env.yaml:1:1`, `WEFT1020  @ ${head}:policy/empty.yaml:1:1`]);
  });

  it.each([
    ['a ref that names nothing', 'no-such-branch'],
    ['an option-like ref', '--output=/tmp/x'],
    ['a ref with a newline', 'main\nHEAD'],
  ])('reports %s as WEFT1022', async (_name, ref) => {
    const r = await loadPolicyCommit(dir, ref);
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['WEFT1022']);
  });

  it('reports a directory outside any work tree as WEFT1022', async () => {
    const plain = await mkdtemp(path.join(tmpdir(), 'weft-nogit-'));
    try {
      const r = await loadPolicyCommit(plain, 'HEAD');
      expect(r.diagnostics.map(where)).toEqual([`WEFT1022  @ ${plain}:1:1`]);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });

  it('validates a commit for CI and names it in the summary', async () => {
    await writeFile(path.join(dir, 'ratings.yaml'), 'kind: [');
    const head = git('rev-parse', 'HEAD').slice(0, 12);
    const r = await validatePolicyCommand(dir, undefined, { ref: 'HEAD' });
    expect(r.exitCode).toBe(0);
    expect(r.text).toBe(`policy OK (commit ${head}): 2 files, 2 documents\n`);
  });
});

describe('policySourceFollowsTheRef', () => {
  it('labels a load with the commit and reloads when the ref moves, not when the work tree changes', async () => {
    const source = new PolicySource(dir, { ref: 'HEAD', pollMs: 25 });
    const first = await source.load();
    if (!first.ok) throw new Error('fixture must load');
    expect(first.load.label).toBe(`${git('rev-parse', 'HEAD').slice(0, 12)}+${first.load.policy.version}`);
    const changed = new Promise<void>((resolve) => source.watch(resolve));
    try {
      await writeFile(path.join(dir, 'team', 'access.yaml'), '');
      await writeFile(path.join(dir, 'team', 'access.yaml'), access.replace('productpage', 'details'));
      const next = await commitAll('details may call reviews');
      await changed;
      const second = await source.load();
      if (!second.ok) throw new Error(second.diagnostics.map(where).join('\n'));
      expect(second.load.commit).toBe(next);
      expect(second.load.policy.access.get('reviews.default')?.[0]?.rules[0]?.from?.[0]?.serviceAccount).toBe('details.default');
    } finally {
      source.stop();
    }
  });
});
