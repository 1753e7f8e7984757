/**
 * What one policy load can reuse from the previous one: the parse of each file whose text did not
 * change, and the resolution of each of its documents. Held by a long-lived caller (the policy
 * directory source of `weft serve`), passed to `loadPolicyDocuments`.
 *
 * Why: a policy change usually edits one file of many, and every model object the load returns
 * anew makes the reconciler compare it by value with the one it replaces (~50 ms at 10,000
 * TrafficPolicies) and re-translate what depends on it. With the cache, the objects of unchanged
 * files are the same objects as before, so the model diff sees them unchanged by identity.
 *
 * Contract:
 * - A load with a cache returns a result equal to the same load without one (its diagnostics
 *   included, in the same order); only object identity differs (test/policy/load-cache.test.ts).
 * - Parsing is pure in (path, text, size limit) and a document's resolution pure in the document
 *   (resolve-*.ts read nothing else), which is what makes both reusable.
 * - Memory follows the last load: parses of files absent from it are dropped; resolutions are held
 *   weakly by their document.
 */
import type { Diagnostic } from './diagnostics.js';
import { parsePolicyFile, type ParsedDocument, type ParsedFile } from './parse.js';
import { DocReporter } from './resolve-util.js';

interface FileEntry { readonly text: string; readonly maxBytes: number; readonly parsed: ParsedFile }
interface Resolution { readonly value: unknown; readonly diagnostics: readonly Diagnostic[] }

export class PolicyLoadCache {
  private files = new Map<string, FileEntry>();
  private next = new Map<string, FileEntry>();
  private readonly resolutions = new WeakMap<ParsedDocument, Resolution>();

  /** Starts a load: files not parsed during it are forgotten when it ends. */
  begin(): void {
    this.next = new Map();
  }

  /** Ends a load (see `begin`). */
  end(): void {
    this.files = this.next;
  }

  /** `parsePolicyFile(path, text, maxBytes)`, or the previous load's answer for the same input. */
  parse(path: string, text: string, maxBytes: number): ParsedFile {
    const held = this.files.get(path);
    const entry = held && held.text === text && held.maxBytes === maxBytes ? held : { text, maxBytes, parsed: parsePolicyFile(path, text, maxBytes) };
    this.next.set(path, entry);
    return entry.parsed;
  }

  /**
   * `resolve` of one document with a reporter, once per document: a reused document's value is
   * returned again and the diagnostics its resolution reported are appended to `out` again.
   */
  resolve<T>(pd: ParsedDocument, out: Diagnostic[], resolve: (r: DocReporter) => T): T {
    let held = this.resolutions.get(pd);
    if (!held) {
      const diagnostics: Diagnostic[] = [];
      held = { value: resolve(new DocReporter(pd, diagnostics)), diagnostics };
      this.resolutions.set(pd, held);
    }
    out.push(...held.diagnostics);
    return held.value as T;
  }
}

/** Without a cache: parse and resolve afresh. */
export const NO_CACHE = {
  parse: (path: string, text: string, maxBytes: number) => parsePolicyFile(path, text, maxBytes),
  resolve: <T>(pd: ParsedDocument, out: Diagnostic[], resolve: (r: DocReporter) => T): T => resolve(new DocReporter(pd, out)),
};
