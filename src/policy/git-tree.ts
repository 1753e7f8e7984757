/**
 * Policy from a git commit instead of the work tree (`--policy-ref`): the files are read from
 * the commit's tree with the `git` CLI, so a checkout that is half written (a `git pull`, a
 * git-sync swap, an editor saving) can never be what is loaded. Commits are immutable: the same
 * ref resolving to the same commit always yields the same policy.
 *
 * Only `git rev-parse`, `git ls-tree` and `git cat-file` are run, through `execFile` (no shell),
 * with `--end-of-options` before user-supplied values. The same file rules as the directory
 * loader apply to the tree: entries starting with `.` are skipped, `*.yaml`/`*.yml` blobs are
 * read (size checked from the tree before reading, and bounded while reading), and a symlink
 * entry with a policy file name is refused (WEFT1019), since in a checkout it would point
 * anywhere.
 */
import { execFile } from 'node:child_process';
import { PolicyCodes } from './codes.js';
import type { Diagnostic } from './diagnostics.js';
import { escapeControl, quote, truncate } from './excerpt.js';
import type { DirFile } from './policy-dir.js';
import { byText } from '../common/index.js';

export interface GitTreeRead {
  readonly files: readonly DirFile[];
  /** Read errors; `source.file` is the file's path relative to the policy directory. */
  readonly diagnostics: readonly Diagnostic[];
  /** The full commit id read, when the ref resolved. */
  readonly commit?: string;
  /** The policy directory relative to the work tree's top (`''` or ending in `/`). */
  readonly prefix: string;
}

const POLICY_FILE = /\.ya?ml$/;
const GIT_TIMEOUT_MS = 10_000;

/** Runs git; resolves with stdout (a Buffer) or rejects with git's first stderr line. */
function git(cwd: string, args: readonly string[], maxBuffer = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', cwd, ...args], { encoding: 'buffer', maxBuffer, timeout: GIT_TIMEOUT_MS, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
      const first = stderr.toString('utf8').split('\n').find((l) => l.trim() !== '');
      reject(new Error(code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' ? 'output over the limit' : escapeControl(truncate(first ?? err.message, 200))));
    });
  });
}

/** The work tree's top directory and `dir`'s prefix in it, or an error message. */
async function workTree(dir: string): Promise<{ top: string; prefix: string } | string> {
  try {
    const [top, prefix] = (await git(dir, ['rev-parse', '--show-toplevel', '--show-prefix'])).toString('utf8').split('\n');
    if (!top) return `${quote(dir)} is not inside a git work tree`;
    return { top, prefix: prefix ?? '' };
  } catch (e) {
    return `${quote(dir)} is not inside a git work tree (${(e as Error).message})`;
  }
}

/** The commit `ref` names in the repository of `dir`, or an error message. Never throws. */
export async function resolveRef(dir: string, ref: string): Promise<{ commit: string } | string> {
  if (ref === '' || ref.startsWith('-') || /[\s\u0000-\u001f]/.test(ref)) return `${quote(ref)} is not a git ref`;
  try {
    const out = await git(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    const commit = out.toString('utf8').trim();
    return /^[0-9a-f]{40,64}$/.test(commit) ? { commit } : `${quote(ref)} does not name a commit`;
  } catch {
    return `${quote(ref)} does not name a commit`;
  }
}

interface TreeEntry {
  readonly mode: string;
  readonly oid: string;
  readonly size: number;
  readonly path: string;
}

/** `git ls-tree -r -l -z` of the directory's tree in `commit`, paths relative to it. */
async function listTree(top: string, commit: string, prefix: string): Promise<TreeEntry[]> {
  const treeish = `${commit}:${prefix.replace(/\/$/, '')}`;
  const out = await git(top, ['ls-tree', '-r', '-l', '-z', '--end-of-options', treeish]);
  const entries: TreeEntry[] = [];
  for (const record of out.toString('utf8').split('\0')) {
    const m = /^(\d{6}) \w+ ([0-9a-f]+) +(-|\d+)\t(.+)$/s.exec(record);
    if (m) entries.push({ mode: m[1]!, oid: m[2]!, size: m[3] === '-' ? 0 : Number(m[3]), path: m[4]! });
  }
  return entries;
}

function isPolicyPath(p: string): boolean {
  return POLICY_FILE.test(p) && !p.split('/').some((seg) => seg.startsWith('.'));
}

/**
 * Reads the policy files of `dir` (a directory inside a git work tree) as they are in the commit
 * `ref` resolves to. Never throws: every failure is a WEFT1022 (or a per-file) diagnostic.
 */
export async function readPolicyCommit(dir: string, ref: string, maxBytes: number): Promise<GitTreeRead> {
  const tree = await workTree(dir);
  if (typeof tree === 'string') return failed(dir, tree, '');
  const resolved = await resolveRef(tree.top, ref);
  if (typeof resolved === 'string') return failed(dir, resolved, tree.prefix);
  const { commit } = resolved;
  let entries: TreeEntry[];
  try {
    entries = await listTree(tree.top, commit, tree.prefix);
  } catch (e) {
    return { ...failed(dir, `cannot list ${quote(tree.prefix || '.')} in commit ${commit.slice(0, 12)}: ${(e as Error).message}`, tree.prefix), commit };
  }
  const files: DirFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const e of entries.filter((x) => isPolicyPath(x.path)).sort(byText((x) => x.path))) {
    const r = await readEntry(tree.top, e, maxBytes);
    if (typeof r === 'string') files.push({ path: e.path, text: r });
    else diagnostics.push(r);
  }
  return { files, diagnostics, commit, prefix: tree.prefix };
}

async function readEntry(top: string, e: TreeEntry, maxBytes: number): Promise<string | Diagnostic> {
  const source = { file: e.path, line: 1, col: 1 };
  if (e.mode === '120000') return { code: PolicyCodes.fileRefused.code, severity: 'error', source, message: 'refused: a symlink in the commit; policy is read only from regular files' };
  if (!e.mode.startsWith('100')) return { code: PolicyCodes.fileRefused.code, severity: 'error', source, message: 'refused: not a regular file in the commit' };
  if (e.size > maxBytes) return { code: PolicyCodes.fileTooLarge.code, severity: 'error', source, message: `file is ${e.size} bytes, over the ${maxBytes}-byte limit for policy files` };
  try {
    return (await git(top, ['cat-file', 'blob', e.oid], maxBytes + 1)).toString('utf8');
  } catch (err) {
    return { code: PolicyCodes.fileUnreadable.code, severity: 'error', source, message: `cannot read from git: ${(err as Error).message}` };
  }
}

function failed(dir: string, message: string, prefix: string): GitTreeRead {
  return { files: [], prefix, diagnostics: [{ code: PolicyCodes.policyRef.code, severity: 'error', message, source: { file: dir, line: 1, col: 1 } }] };
}
