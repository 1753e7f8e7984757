/**
 * The CA state directory: the only place weft writes key material (DESIGN.md §3).
 *
 * Layout (all files 0600, directory 0700):
 * - `ca.crt`, `ca.key`: the root that signs now;
 * - `ca-next.crt`, `ca-next.key`: the incoming root during `trust-both`;
 * - `ca-prev.crt`: the outgoing root during `sign-with-new` (its key is deleted once unused);
 * - `state.json`: `{ rotation, sequence }`, the root rotation phase and the trust bundle sequence.
 * Writes go to a temporary file then `rename`, so a crash leaves the old or the new file, never half.
 * `state.json` names roots by fingerprint, so loading does not depend on which file holds which root.
 */
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { caFail, CaCodes, type CaResult } from './errors.js';

export const StateFiles = {
  cert: 'ca.crt',
  key: 'ca.key',
  nextCert: 'ca-next.crt',
  nextKey: 'ca-next.key',
  prevCert: 'ca-prev.crt',
  prevKey: 'ca-prev.key',
  state: 'state.json',
} as const;

export class StateDir {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Creates the directory if needed and forces mode 0700 on it and 0600 on the files it knows
   * (a restored backup or a hand copy often arrives world-readable). */
  async ensure(): Promise<CaResult<true>> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
      for (const name of Object.values(StateFiles)) {
        if (await this.exists(name)) await chmod(this.file(name), 0o600);
      }
      return { ok: true, value: true };
    } catch (e) {
      return caFail(CaCodes.unreadable.code, `cannot create the CA state directory: ${(e as Error).message}`, this.dir);
    }
  }

  /** Contents of a file, or undefined when it does not exist; other read errors are reported. */
  async read(name: string): Promise<CaResult<string | undefined>> {
    try {
      return { ok: true, value: await readFile(this.file(name), 'utf8') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: undefined };
      return caFail(CaCodes.unreadable.code, `cannot read: ${(e as Error).message}`, this.file(name));
    }
  }

  /** Atomically replaces `name` with `data`, mode 0600. Throws on I/O failure (disk full...). */
  async write(name: string, data: string): Promise<void> {
    const tmp = this.file(`.${name}.${process.pid}.tmp`);
    await writeFile(tmp, data, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file(name));
  }

  async move(from: string, to: string): Promise<void> {
    if (await this.exists(from)) await rename(this.file(from), this.file(to));
  }

  async remove(name: string): Promise<void> {
    await rm(this.file(name), { force: true });
  }

  async exists(name: string): Promise<boolean> {
    return stat(this.file(name)).then(() => true, () => false);
  }
}

/** Reads a file given by the operator (outside the state directory). */
export async function readOperatorFile(file: string): Promise<CaResult<string>> {
  try {
    return { ok: true, value: await readFile(file, 'utf8') };
  } catch (e) {
    return caFail(CaCodes.unreadable.code, `cannot read: ${(e as Error).message}`, file);
  }
}
