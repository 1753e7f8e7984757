/**
 * Cross-process file locks for e2e suites that vitest runs in parallel workers: the lock file
 * holds its owner's pid, and a lock whose owner died is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';

/** Whether process `pid` exists (EPERM: it exists, but is not ours to signal). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Waits until this process holds `file`, polling every `pollMs` while a live process holds it;
 * past `timeoutMs` throws with `what` and the holder's pid.
 */
export async function acquireFileLock(file: string, o: { readonly pollMs: number; readonly timeoutMs?: number; readonly what: string }): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? Infinity);
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(file, 'utf8').catch(() => ''));
    if (holder > 0 && !alive(holder)) await rm(file, { force: true });
    else if (Date.now() > deadline) throw new Error(`another ${o.what} (pid ${holder}) still holds ${file}`);
    else await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

/** Releases `file` if this process holds it. */
export async function releaseFileLock(file: string): Promise<void> {
  const holder = Number(await readFile(file, 'utf8').catch(() => ''));
  if (holder === process.pid) await rm(file, { force: true });
}
