/**
 * Loading a policy: a set of files -> one immutable `PolicySet`, atomically. Any error anywhere
 * rejects the whole load (`ok: false`); the caller keeps serving its last good set.
 *
 * `loadPolicyDocuments` is pure (the admin API's validate endpoint and tests use it directly);
 * `loadPolicyDir` is the file-reading edge around it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { PolicyCodes } from './codes.js';
import type { PolicySet } from './types.js';
import { DEFAULT_MAX_FILE_BYTES, type ParsedDocument } from './parse.js';
import { NO_CACHE, type PolicyLoadCache } from './load-cache.js';
import { readPolicyCommit, type GitTreeRead } from './git-tree.js';
import { readPolicyDir } from './policy-dir.js';
import { resolveDocuments } from './resolve.js';
import { byText } from '../common/index.js';

export interface PolicyFile {
  /** Path as it should appear in diagnostics and `PolicySet.files`. */
  readonly path: string;
  readonly text: string;
}

export interface LoadOptions {
  /** Per-file size limit in bytes; default 1 MiB. */
  readonly maxFileBytes?: number;
  /** Reuses the previous load's parses and resolutions of unchanged files (load-cache.ts). */
  readonly cache?: PolicyLoadCache;
  /** Policy documents from elsewhere (Gateway API routes from Kubernetes), loaded with the
   * directory's files; their paths (e.g. `kubernetes/HTTPRoute/ns/name.yaml`) are kept as given. */
  readonly extraFiles?: readonly PolicyFile[];
}

/** The outcome of a load. `documents` counts non-empty YAML documents seen, valid or not. */
export type PolicyLoadResult =
  | { readonly ok: true; readonly policy: PolicySet; readonly diagnostics: readonly Diagnostic[]; readonly documents: number }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly documents: number };

/** Parses, checks and resolves the given files (in path order, whatever order they arrive in). */
export function loadPolicyDocuments(files: readonly PolicyFile[], opts: LoadOptions = {}): PolicyLoadResult {
  const sorted = [...files].sort(byText((f) => f.path));
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedDocument[] = [];
  let documents = 0;
  const memo = opts.cache ?? NO_CACHE;
  opts.cache?.begin();
  for (const f of sorted) {
    const result = memo.parse(f.path, f.text, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    diagnostics.push(...result.diagnostics);
    parsed.push(...result.documents);
    documents += result.documentCount;
  }
  opts.cache?.end();
  if (hasErrors(diagnostics)) return { ok: false, diagnostics, documents };
  const parts = resolveDocuments(parsed, memo);
  diagnostics.push(...parts.diagnostics);
  if (documents === 0) diagnostics.push(noDocuments());
  if (hasErrors(diagnostics)) return { ok: false, diagnostics, documents };
  const policy: PolicySet = {
    version: policyVersion(sorted),
    mesh: parts.mesh,
    traffic: parts.traffic,
    access: parts.access,
    ...(parts.external.size > 0 && { external: parts.external }),
    ...(parts.mtls && { mtls: parts.mtls }),
    ...(parts.gateways.size > 0 && { gateways: parts.gateways }),
    files: sorted.map((f) => f.path),
  };
  return { ok: true, policy, diagnostics, documents };
}

function noDocuments(): Diagnostic {
  return { code: PolicyCodes.noDocuments.code, severity: 'warning', message: 'no policy documents found; using mesh defaults' };
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
 * Loads every `*.yaml`/`*.yml` under `dir`, recursively (see policy-dir.ts for which files are
 * read and how). Paths in `PolicySet.files`, `source` refs and the version are relative to `dir`
 * (so the version does not depend on where the checkout lives); diagnostics name `dir`-joined
 * paths so an operator can open them. Never throws: an unreadable directory or file, or one that
 * is refused, is a diagnostic.
 */
export async function loadPolicyDir(dir: string, opts: LoadOptions = {}): Promise<PolicyLoadResult> {
  const read = await readPolicyDir(dir, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const extra = new Set((opts.extraFiles ?? []).map((f) => f.path));
  const files = [...read.files, ...(opts.extraFiles ?? [])];
  return withReadErrors(read.diagnostics, loadPolicyDocuments(files, opts), (d) => (d.source && extra.has(d.source.file) ? d : inDir(dir, d)));
}

/** A load from a git commit: the result plus the commit read (when the ref resolved). */
export type PolicyCommitLoadResult = PolicyLoadResult & {
  readonly commit?: string;
  /** Rewrites a dir-relative diagnostic source as the load did (for later checks' diagnostics). */
  readonly place: (d: Diagnostic) => Diagnostic;
};

/**
 * Loads the policy files of `dir` as they are in the commit `ref` names (see git-tree.ts), never
 * the work tree. `PolicySet.files` and the version are relative to `dir`, as for
 * `loadPolicyDir`, so the same content has the same version either way; diagnostics name files
 * in git's `<commit>:<path>` form (`git show` opens them), since the work tree may differ.
 */
export async function loadPolicyCommit(dir: string, ref: string, opts: LoadOptions = {}): Promise<PolicyCommitLoadResult> {
  const read = await readPolicyCommit(dir, ref, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const extra = new Set((opts.extraFiles ?? []).map((f) => f.path));
  const place = (d: Diagnostic) => (d.source && extra.has(d.source.file) ? d : inCommit(read, dir, d));
  const result = withReadErrors(read.diagnostics, loadPolicyDocuments([...read.files, ...(opts.extraFiles ?? [])], opts), place);
  return { ...result, place, ...(read.commit && { commit: read.commit }) };
}

function inCommit(read: GitTreeRead, dir: string, d: Diagnostic): Diagnostic {
  if (!d.source || !read.commit || d.source.file === dir) return d;
  return { ...d, source: { ...d.source, file: `${read.commit.slice(0, 12)}:${read.prefix}${d.source.file}` } };
}

/**
 * Combines the errors of reading files with the result of loading the files that were read: any
 * read error fails the load. `place` rewrites each diagnostic's source for display.
 */
export function withReadErrors(readErrors: readonly Diagnostic[], result: PolicyLoadResult, place: (d: Diagnostic) => Diagnostic): PolicyLoadResult {
  // "No documents" is noise when files were refused or unreadable: those errors explain it.
  const fromDocs = hasErrors(readErrors) ? result.diagnostics.filter((d) => d.code !== PolicyCodes.noDocuments.code) : result.diagnostics;
  const all = [...readErrors, ...fromDocs].map(place);
  if (!result.ok || hasErrors(readErrors)) return { ok: false, diagnostics: all, documents: result.documents };
  return { ...result, diagnostics: all };
}

/** Rewrites a diagnostic's dir-relative source file to the path an operator can open. */
export function inDir(dir: string, d: Diagnostic): Diagnostic {
  if (!d.source || path.isAbsolute(d.source.file) || d.source.file === dir) return d;
  return { ...d, source: { ...d.source, file: path.join(dir, d.source.file) } };
}
