/**
 * The built distribution: `node bin/weft.js` runs the compiled CLI from dist/ (built here when
 * stale, as `npm start` does), loads only what the command needs, and finds its assets.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'weft.js');

/** Runs node with `args` in the repository root; resolves with output and exit code. */
async function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const r = await run(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  const r = await node(['scripts/build.mjs', '--if-stale']);
  expect(r.stderr + r.stdout).not.toMatch(/error/i);
}, 120_000);

describe('built distribution', () => {
  it('prints the help listing from compiled JavaScript, loading no command module', async () => {
    const log = path.join(await mkdtemp(path.join(tmpdir(), 'weft-dist-')), 'loads.txt');
    const r = await node(['--import', './test/cli/fixtures/record-loads.mjs', bin, '--help'], { WEFT_LOAD_LOG: log });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Commands:\n\s+serve\s/);
    const ours = (await readFile(log, 'utf8')).split('\n').filter((u) => u.startsWith('file://') && !u.includes('/node_modules/'));
    expect(ours.map((u) => path.relative(root, fileURLToPath(u))).sort()).toEqual(['bin/weft.js', 'dist/src/cli/errors.js', 'dist/src/cli/main.js']);
  });

  it('loads only the status command and its admin client for weft status', async () => {
    const log = path.join(await mkdtemp(path.join(tmpdir(), 'weft-dist-')), 'loads.txt');
    const r = await node(['--import', './test/cli/fixtures/record-loads.mjs', bin, 'status', '--admin-url', 'http://127.0.0.1:1'], { WEFT_LOAD_LOG: log });
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/weft status: /)]);
    const ours = (await readFile(log, 'utf8')).split('\n').filter((u) => u.startsWith('file://'));
    // src/common is the dependency-free module every module may import (a few constants).
    const loaded = ours.map((u) => path.relative(root, fileURLToPath(u))).filter((f) => !f.includes('node_modules/commander/') && !f.startsWith('dist/src/common/'));
    expect(loaded.sort()).toEqual(
      ['bin/weft.js', 'dist/src/cli/admin-client.js', 'dist/src/cli/errors.js', 'dist/src/cli/main.js', 'dist/src/cli/status.js', 'dist/src/cli/table.js'],
    );
  });

  it('resolves the bundled example and the Envoy protos from dist/', async () => {
    const script = `const { EXAMPLE } = await import('./dist/src/cli/serve.js');
      const { messageType } = await import('./dist/proto/index.js');
      console.log(JSON.stringify({ ...EXAMPLE, cluster: messageType('envoy.config.cluster.v3.Cluster').fullName }));`;
    const r = await node(['--input-type=module', '-e', script]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { policy: string; registry: string; cluster: string };
    expect(out.cluster).toBe('.envoy.config.cluster.v3.Cluster');
    expect(existsSync(path.join(out.policy, 'reviews.yaml')) && existsSync(out.registry)).toBe(true);
  });

  it('validates the bundled example with the compiled CLI', async () => {
    const r = await node([bin, 'validate', 'examples/bookinfo/policy', '--registry', 'examples/bookinfo/registry.yaml']);
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/policy OK/)]);
  });
});
