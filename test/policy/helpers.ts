/** Test helpers: load inline YAML and pick out diagnostics. */
import { loadPolicyDocuments, type Diagnostic, type PolicyLoadResult } from '../../src/policy/index.js';

/** Loads `files` (path -> YAML text); one string means a single file `p.yaml`. */
export function load(files: string | Record<string, string>, maxFileBytes?: number): PolicyLoadResult {
  const map = typeof files === 'string' ? { 'p.yaml': files } : files;
  return loadPolicyDocuments(Object.entries(map).map(([path, text]) => ({ path, text })), { maxFileBytes });
}

/** `code path @ file:line:col` for compact, exact assertions. */
export function where(d: Diagnostic): string {
  const s = d.source ? `${d.source.file}:${d.source.line}:${d.source.col}` : '<none>';
  return `${d.code} ${d.path ?? ''} @ ${s}`;
}

/** All diagnostics of a load rendered with `where`. */
export function wheres(files: string | Record<string, string>): string[] {
  return load(files).diagnostics.map(where);
}

/** YAML lines joined with newlines (keeps expected line numbers readable in tests). */
export const y = (...lines: string[]): string => `${lines.join('\n')}\n`;
