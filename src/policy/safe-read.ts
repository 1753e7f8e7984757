/**
 * Reading a configuration file that must be a regular file inside a given directory.
 *
 * Policy and registry files are written by people and tools other than the operator who starts
 * weft (a git repository, a ConfigMap), so a file there must not be able to make weft read
 * something else: a symlink to `/proc/self/environ` or to a key file, a FIFO that blocks the
 * loader forever, a device that never ends. The rules:
 * - the path, with every symlink resolved, must stay inside the directory (also resolved). Links
 *   inside it are fine: a Kubernetes ConfigMap volume is made of them (`x.yaml -> ..data/x.yaml`);
 * - the file is opened with `O_NOFOLLOW | O_NONBLOCK` (a FIFO opens without waiting for a writer),
 *   and what was opened must be a regular file (`fstat` on the descriptor, not `stat` on a name);
 * - on Linux, the opened descriptor's own path (`/proc/self/fd/N`) is checked again, so a
 *   directory swapped for a link between the check and the open is caught;
 * - at most `maxBytes + 1` bytes are read from the descriptor, whatever `stat` says (`/proc` files
 *   report size 0; a file may grow while read).
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export type ReadRefusal =
  | { readonly kind: 'outside'; readonly target: string }
  | { readonly kind: 'not-regular'; readonly what: string }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'unreadable'; readonly reason: string };

export type ReadOutcome = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly refusal: ReadRefusal };

/** True when `target` is `root` or below it (both absolute and resolved). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Reads `file`, which must resolve to a regular file inside `realRoot` (a directory path already
 * passed through `realpath`). Never throws.
 */
export async function readFileInside(realRoot: string, file: string, maxBytes: number): Promise<ReadOutcome> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (e) {
    return refuse({ kind: 'unreadable', reason: errorCode(e) });
  }
  if (!isInside(realRoot, real)) return refuse({ kind: 'outside', target: real });
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = errorCode(e);
    return refuse(code === 'ELOOP' ? { kind: 'outside', target: real } : code === 'ENXIO' ? { kind: 'not-regular', what: 'a socket' } : { kind: 'unreadable', reason: code });
  }
  try {
    return await readOpened(handle, realRoot, maxBytes);
  } catch (e) {
    return refuse({ kind: 'unreadable', reason: errorCode(e) });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function readOpened(handle: FileHandle, realRoot: string, maxBytes: number): Promise<ReadOutcome> {
  const st = await handle.stat();
  if (!st.isFile()) return refuse({ kind: 'not-regular', what: describeType(st) });
  const opened = await openedPath(handle.fd);
  if (opened !== undefined && !isInside(realRoot, opened)) return refuse({ kind: 'outside', target: opened });
  return readBounded(handle, maxBytes);
}

/** Reads until EOF or until more than `maxBytes` bytes arrived. */
async function readBounded(handle: FileHandle, maxBytes: number): Promise<ReadOutcome> {
  const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, 64 * 1024));
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const want = Math.min(buf.length, maxBytes + 1 - total);
    const { bytesRead } = await handle.read(buf, 0, want, null);
    if (bytesRead === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    total += bytesRead;
    if (total > maxBytes) return refuse({ kind: 'too-large' });
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

/** The path the kernel has for an open descriptor (Linux), or undefined where `/proc` is absent. */
async function openedPath(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function describeType(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'error';
}

function refuse(refusal: ReadRefusal): ReadOutcome {
  return { ok: false, refusal };
}
