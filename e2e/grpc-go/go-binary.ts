/**
 * The grpc-go peer binary: found or built once per source change into `.cache/grpc-go/grpcgo`
 * (git-ignored), from the module in this directory with the Go toolchain on PATH. Test files
 * running at the same time share one build through a lock file; a lock whose holder died is
 * taken over.
 *
 * Without Go the scenarios are declared but skipped, with `NO_GO` in their names; under CI
 * (`CI=true`) a missing toolchain is a failure instead (see `goMissingInCi`).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync, readdirSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'vitest';
import { REPO_ROOT } from '../../scripts/mesh/children.js';
import { acquireFileLock, releaseFileLock } from '../support/pid-lock.js';

export const NO_GO = 'grpc-go interop: no Go toolchain';
export const MODULE_DIR = path.join(REPO_ROOT, 'e2e', 'grpc-go');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'grpc-go');
export const BINARY = path.join(CACHE_DIR, 'grpcgo');
const LOCK = path.join(CACHE_DIR, 'build.lock');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The `go` command on PATH, or undefined. */
export const goBin: string | undefined = onPath('go');

/** Why the scenarios cannot run here, or undefined when they can. */
export const needsGo: string | undefined = goBin ? undefined : NO_GO;

/** True when this is CI and Go is missing: the suite must fail, not skip. */
export const goMissingInCi = !goBin && process.env.CI === 'true';

/** The scenario title, with the skip reason appended when it will be skipped. */
export function named(title: string): string {
  return needsGo ? `${title} (skipped: ${needsGo})` : title;
}

/** A scenario that runs only with Go; its name carries the reason when it is skipped. */
export function scenario(title: string, fn: () => Promise<void>, timeout = 60_000): void {
  it.skipIf(!!needsGo)(named(title), fn, timeout);
}

/** A scenario that shows a known defect: it passes while its body fails, and starts failing (so
 * someone turns it into a plain scenario) once the defect is fixed. */
export function knownDefect(title: string, fn: () => Promise<void>, timeout = 60_000): void {
  it.skipIf(!!needsGo).fails(named(`known defect: ${title}`), fn, timeout);
}

/** Newest modification time of the module's sources (Go files, go.mod, go.sum). */
function sourcesMtime(): number {
  const files = readdirSync(MODULE_DIR).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum');
  return Math.max(...files.map((f) => statSync(path.join(MODULE_DIR, f)).mtimeMs));
}

function upToDate(): boolean {
  try {
    return statSync(BINARY).mtimeMs >= sourcesMtime();
  } catch {
    return false;
  }
}

/** Runs `fn` holding the build lock (polling every 250 ms while another live process holds it). */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(CACHE_DIR, { recursive: true });
  await acquireFileLock(LOCK, { pollMs: 250, what: 'grpc-go build' });
  try {
    return await fn();
  } finally {
    await releaseFileLock(LOCK);
  }
}

/** The path of an up-to-date binary, building it first when a source is newer. Build errors
 * carry the compiler's output. */
export async function grpcGoBinary(): Promise<string> {
  if (!goBin) throw new Error(NO_GO);
  return withLock(async () => {
    if (upToDate()) return BINARY;
    const tmp = `${BINARY}.${process.pid}.tmp`;
    try {
      await promisify(execFile)(goBin!, ['build', '-buildvcs=false', '-o', tmp, '.'], { cwd: MODULE_DIR, maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`go build in ${MODULE_DIR} failed:\n${e.stderr ?? e.message}`);
    }
    await rename(tmp, BINARY);
    return BINARY;
  });
}
