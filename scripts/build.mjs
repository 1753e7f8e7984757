#!/usr/bin/env node
// `npm run build` (and `npm ci` through `prepare`): compiles src/ and proto/ with tsc
// (tsconfig.build.json, incremental) into dist/, then removes outputs whose source is gone, and
// stamps dist/.built. Plain JavaScript so it runs before anything is compiled and without tsx.
//
//   node scripts/build.mjs              build (incremental; a no-op build takes ~3 s)
//   node scripts/build.mjs --if-stale   build only when a file under src/ or proto/, or a tsconfig,
//                                       is newer than the stamp (a stat walk, ~10 ms); `npm start`
//
// Exit status: tsc's (type errors fail the build), 0 when nothing had to be done.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');
const sources = ['src', 'proto'];
const configs = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** Newest mtime among `dir`, its subdirectories (a removed file changes its directory) and files. */
function newest(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

function stale() {
  if (!existsSync(stamp)) return true;
  const inputs = [...sources, ...configs].map((p) => path.join(root, p)).filter((p) => existsSync(p));
  return Math.max(...inputs.map(newest)) > statSync(stamp).mtimeMs;
}

/** Deletes dist/<dir>/**.js whose <dir>/**.ts no longer exists (tsc never removes outputs). */
function prune(dir) {
  const out = path.join(dist, dir);
  if (!existsSync(out)) return;
  for (const name of readdirSync(out)) {
    const rel = path.join(dir, name);
    if (statSync(path.join(dist, rel)).isDirectory()) {
      if (!existsSync(path.join(root, rel))) rmSync(path.join(dist, rel), { recursive: true });
      else prune(rel);
    } else if (name.endsWith('.js') && !existsSync(path.join(root, rel.slice(0, -3) + '.ts'))) {
      rmSync(path.join(dist, rel));
    }
  }
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error('weft: build failed (tsc errors above); dist/ is not updated');
  process.exit(r.status ?? 1);
}
for (const dir of sources) prune(dir);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
