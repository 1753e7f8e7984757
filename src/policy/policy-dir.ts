/**
 * The file-reading edge of policy loading: which files of a directory are policy, and their
 * text, read by `readFileInside` (regular files inside the directory only; see safe-read.ts).
 *
 * Entries starting with `.` are skipped: that leaves out `.git` and the `..data`/`..2024_…`
 * directories of a Kubernetes ConfigMap mount, whose visible files are symlinks into them.
 * Symlinks are followed only while they stay inside the directory; one that leaves it (to a file
 * or a directory) is refused with a diagnostic rather than skipped, since it may carry policy.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { PolicyCodes } from './codes.js';
import type { Diagnostic } from './diagnostics.js';
import { quote } from './excerpt.js';
import { isInside, readFileInside, type ReadRefusal } from './safe-read.js';

export interface DirFile {
  /** Relative to the directory, `/`-separated. */
  readonly path: string;
  readonly text: string;
}

export interface DirRead {
  readonly files: readonly DirFile[];
  /** Refusals and read errors, with dir-relative `source.file`s. */
  readonly diagnostics: readonly Diagnostic[];
}

const POLICY_FILE = /\.ya?ml$/;

/** Reads every policy file below `dir`. Never throws. */
export async function readPolicyDir(dir: string, maxBytes: number): Promise<DirRead> {
  const diagnostics: Diagnostic[] = [];
  let root: string;
  try {
    root = await realpath(dir);
    if (!(await stat(root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    return { files: [], diagnostics: [unreadable(dir, e)] };
  }
  const rels: string[] = [];
  await walk(dir, root, '', new Set([root]), rels, diagnostics);
  const files: DirFile[] = [];
  for (const rel of rels.sort()) {
    const r = await readFileInside(root, path.join(dir, rel), maxBytes);
    if (r.ok) files.push({ path: rel, text: r.bytes.toString('utf8') });
    else diagnostics.push(refused(rel, r.refusal, maxBytes));
  }
  return { files, diagnostics };
}

/** Collects policy file paths below `rel`; `seen` holds resolved directories (link loops). */
async function walk(dir: string, root: string, rel: string, seen: Set<string>, out: string[], diagnostics: Diagnostic[]): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(path.join(dir, rel))).filter((n) => !n.startsWith('.')).sort();
  } catch (e) {
    diagnostics.push(unreadable(rel || dir, e));
    return;
  }
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const entry = await classify(path.join(dir, r), root);
    if (entry.kind === 'dir' && !seen.has(entry.real)) {
      seen.add(entry.real);
      await walk(dir, root, r, seen, out, diagnostics);
    } else if (entry.kind === 'file' && POLICY_FILE.test(name)) out.push(r);
    else if (entry.kind === 'outside' && (entry.isDir || POLICY_FILE.test(name))) diagnostics.push(refused(r, { kind: 'outside', target: entry.real }, 0));
  }
}

type Entry = { kind: 'dir'; real: string } | { kind: 'file' } | { kind: 'outside'; real: string; isDir: boolean } | { kind: 'other' };

/** What a directory entry is, following symlinks only inside `root`. */
async function classify(full: string, root: string): Promise<Entry> {
  try {
    const l = await lstat(full);
    if (l.isDirectory()) return { kind: 'dir', real: await realpath(full) };
    if (l.isFile()) return { kind: 'file' };
    if (!l.isSymbolicLink()) return { kind: 'file' }; // devices, FIFOs: refused by the reader, by name
    const real = await realpath(full);
    const s = await stat(real);
    if (!isInside(root, real)) return { kind: 'outside', real, isDir: s.isDirectory() };
    return s.isDirectory() ? { kind: 'dir', real } : { kind: 'file' };
  } catch {
    return { kind: 'other' }; // a dangling link or an entry gone since readdir: nothing to load
  }
}

function refused(file: string, r: ReadRefusal, maxBytes: number): Diagnostic {
  const source = { file, line: 1, col: 1 };
  switch (r.kind) {
    case 'too-large':
      return { code: PolicyCodes.fileTooLarge.code, severity: 'error', message: `file is over the ${maxBytes}-byte limit for policy files`, source };
    case 'unreadable':
      return { code: PolicyCodes.fileUnreadable.code, severity: 'error', message: `cannot read: ${r.reason}`, source };
    case 'outside':
      return { code: PolicyCodes.fileRefused.code, severity: 'error', source, message: `refused: resolves to ${quote(r.target)}, outside the policy directory; policy is read only from files inside it` };
    case 'not-regular':
      return { code: PolicyCodes.fileRefused.code, severity: 'error', source, message: `refused: ${r.what}, not a regular file` };
  }
}

function unreadable(file: string, e: unknown): Diagnostic {
  const reason = (e as NodeJS.ErrnoException).code ?? String(e);
  return { code: PolicyCodes.fileUnreadable.code, severity: 'error', message: `cannot read: ${reason}`, source: { file, line: 1, col: 1 } };
}
