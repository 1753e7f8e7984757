/**
 * weft follows a policy file that is replaced atomically (written beside it, renamed over it):
 * how vim, `git checkout` and Kubernetes ConfigMap volumes change files.
 *
 * Guards a fixed bug: a recursive `fs.watch` (Node 20, Linux) keeps a per-file inotify watch on the
 * old inode after a rename, so later edits went unseen. PolicySource now watches each directory.
 */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWeft } from '../../src/cli/run.js';
import { writeMeshDir, type MeshDir } from '../../scripts/mesh/mesh-files.js';
import { policyVersion, startMeshWeft } from '../../scripts/mesh/weft.js';

let dir: MeshDir;
let weft: RunningWeft;

beforeAll(async () => {
  dir = await writeMeshDir([
    { name: 'reviews', endpoints: ['v1', 'v2', 'v3'].map((v, i) => ({ port: 20_001 + i, version: v, instance: `reviews-${v}` })) },
    { name: 'ratings', endpoints: [{ port: 20_004, instance: 'ratings' }] },
  ]);
  weft = await startMeshWeft(dir);
});

afterAll(async () => {
  await weft?.close();
  await dir?.remove();
});

const canary = (v2: number) => `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 } }
routes:
  - backends: [{ subset: v1, weight: ${100 - v2} }, { subset: v2, weight: ${v2} }]
`;

async function versionChange(from: string, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await policyVersion(weft);
    if (v !== from || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('policy directory watch', () => {
  it('loads every atomic replacement of a policy file, and in-place edits after one', async () => {
    const file = path.join(dir.policyDir, 'reviews.yaml');
    const replace = (text: string) => (writeFileSync(path.join(dir.root, 'next.yaml'), text), renameSync(path.join(dir.root, 'next.yaml'), file));
    let v = await policyVersion(weft);
    writeFileSync(file, canary(10));
    const control = await versionChange(v);
    expect(control, 'in-place edit before any replacement not loaded').not.toBe(v);
    v = control;
    for (const v2 of [20, 30, 40]) {
      replace(canary(v2));
      const next = await versionChange(v);
      expect(next, `replacement with weight ${v2} not loaded`).not.toBe(v);
      v = next;
    }
    writeFileSync(file, canary(50));
    expect(await versionChange(v), 'in-place edit after a replacement not loaded').not.toBe(v);
  });
});
