/**
 * One Envoy mesh at a time on this machine. Every sidecar binds the fixed inbound (15006) and
 * stats (15090) ports, and Envoy sets SO_REUSEPORT on its listeners, so two suites running at
 * once (vitest runs test files in parallel workers) would both bind them and split connections
 * between them. Each mesh holds this lock from start to stop; a lock whose holder died is taken
 * over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LOCK = path.join(tmpdir(), 'weft-e2e-envoy.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits (polling every 200 ms, at most `ms`) until this process holds the lock. */
export async function acquireMeshLock(ms = 300_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const handle = await open(LOCK, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(LOCK, 'utf8').catch(() => ''));
    if (holder > 0 && !alive(holder)) await rm(LOCK, { force: true });
    else if (Date.now() > deadline) throw new Error(`another Envoy e2e run (pid ${holder}) still holds ${LOCK}`);
    else await new Promise((r) => setTimeout(r, 200));
  }
}

/** Releases the lock if this process holds it. */
export async function releaseMeshLock(): Promise<void> {
  const holder = Number(await readFile(LOCK, 'utf8').catch(() => ''));
  if (holder === process.pid) await rm(LOCK, { force: true });
}
