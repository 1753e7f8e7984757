/**
 * Loading a policy: a set of files -> one immutable `PolicySet`, atomically. Any error anywhere
 * rejects the whole load (`ok: false`); the caller keeps serving its last good set.
 *
 * `loadPolicyDocuments` is pure (the admin API's validate endpoint and tests use it directly);
 * `loadPolicyDir` is the file-reading edge around it.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { Codes } from './codes.js';
import type { PolicySet } from './types.js';
import { DEFAULT_MAX_FILE_BYTES, parsePolicyFile, tooLarge, type ParsedDocument } from './parse.js';
import { resolveDocuments } from './resolve.js';

export interface PolicyFile {
  /** Path as it should appear in diagnostics and `PolicySet.files`. */
  readonly path: string;
  readonly text: string;
}

export interface LoadOptions {
  /** Per-file size limit in bytes; default 1 MiB. */
  readonly maxFileBytes?: number;
}

/** The outcome of a load. `documents` counts non-empty YAML documents seen, valid or not. */
export type PolicyLoadResult =
  | { readonly ok: true; readonly policy: PolicySet; readonly diagnostics: readonly Diagnostic[]; readonly documents: number }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly documents: number };

/** Parses, checks and resolves the given files (in path order, whatever order they arrive in). */
export function loadPolicyDocuments(files: readonly PolicyFile[], opts: LoadOptions = {}): PolicyLoadResult {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedDocument[] = [];
  let documents = 0;
  for (const f of sorted) {
    const result = parsePolicyFile(f.path, f.text, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    diagnostics.push(...result.diagnostics);
    parsed.push(...result.documents);
    documents += result.documentCount;
  }
  if (hasErrors(diagnostics)) return { ok: false, diagnostics, documents };
  const parts = resolveDocuments(parsed);
  diagnostics.push(...parts.diagnostics);
  if (documents === 0) diagnostics.push(noDocuments());
  if (hasErrors(diagnostics)) return { ok: false, diagnostics, documents };
  const policy: PolicySet = {
    version: policyVersion(sorted),
    mesh: parts.mesh,
    traffic: parts.traffic,
    access: parts.access,
    files: sorted.map((f) => f.path),
  };
  return { ok: true, policy, diagnostics, documents };
}

function noDocuments(): Diagnostic {
  return { code: Codes.noDocuments, severity: 'warning', message: 'no policy documents found; using mesh defaults' };
}

/** sha256 over the sorted (path, content) pairs, first 12 hex characters. */
export function policyVersion(sortedFiles: readonly PolicyFile[]): string {
  const h = createHash('sha256');
  for (const f of sortedFiles) {
    h.update(`${f.path}\0${Buffer.byteLength(f.text, 'utf8')}\0`);
    h.update(f.text);
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * Loads every `*.yaml`/`*.yml` under `dir`, recursively. Paths in `PolicySet.files`, `source`
 * refs and the version are relative to `dir` (so the version does not depend on where the
 * checkout lives); diagnostics name `dir`-joined paths so an operator can open them. Never
 * throws: an unreadable directory or file is a diagnostic.
 */
export async function loadPolicyDir(dir: string, opts: LoadOptions = {}): Promise<PolicyLoadResult> {
  const max = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const diagnostics: Diagnostic[] = [];
  const files: PolicyFile[] = [];
  let rels: string[] = [];
  try {
    rels = await listPolicyFiles(dir);
  } catch (e) {
    diagnostics.push(unreadable(dir, e));
  }
  for (const rel of rels) {
    const full = path.join(dir, rel);
    try {
      const { size } = await stat(full);
      if (size > max) diagnostics.push(tooLarge(rel, size, max));
      else files.push({ path: rel, text: await readFile(full, 'utf8') });
    } catch (e) {
      diagnostics.push(unreadable(rel, e));
    }
  }
  const result = loadPolicyDocuments(files, opts);
  // "No documents" is noise when files were refused or unreadable: those errors explain it.
  const fromDocs = hasErrors(diagnostics) ? result.diagnostics.filter((d) => d.code !== Codes.noDocuments) : result.diagnostics;
  const all = [...diagnostics, ...fromDocs].map((d) => inDir(dir, d));
  if (!result.ok || hasErrors(diagnostics)) return { ok: false, diagnostics: all, documents: result.documents };
  return { ...result, diagnostics: all };
}

function unreadable(file: string, e: unknown): Diagnostic {
  const reason = (e as NodeJS.ErrnoException).code ?? String(e);
  return { code: Codes.fileUnreadable, severity: 'error', message: `cannot read: ${reason}`, source: { file, line: 1, col: 1 } };
}

/** Rewrites a diagnostic's dir-relative source file to the path an operator can open. */
export function inDir(dir: string, d: Diagnostic): Diagnostic {
  if (!d.source || path.isAbsolute(d.source.file) || d.source.file === dir) return d;
  return { ...d, source: { ...d.source, file: path.join(dir, d.source.file) } };
}

/**
 * Policy files under `dir`, relative and sorted. Entries starting with `.` are skipped: that
 * leaves out `.git` and the `..data`/`..2024_…` directories of a Kubernetes ConfigMap mount,
 * whose visible files are symlinks into them (so `stat`, which follows links, is used).
 */
export async function listPolicyFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(path.join(dir, rel))).filter((n) => !n.startsWith('.')).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const s = await stat(path.join(dir, r));
    if (s.isDirectory()) out.push(...(await listPolicyFiles(dir, r)));
    else if (s.isFile() && /\.ya?ml$/.test(name)) out.push(r);
  }
  return out.sort();
}
