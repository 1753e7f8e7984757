/** Helpers shared by the resolvers: positions by path, diagnostics, service-name qualification. */
import type { Diagnostic, Severity, SourceRef } from './diagnostics.js';
import type { ParsedDocument } from './parse.js';
import { escapeControl } from './excerpt.js';

export const DEFAULT_NAMESPACE = 'default';

/**
 * The source position recorded for `path`, else for its nearest recorded parent (paths of values
 * given defaults by the resolver were never seen by the validator).
 */
export function at(pd: ParsedDocument, path: string): SourceRef | undefined {
  let p = path;
  for (;;) {
    const hit = pd.positions.get(p);
    if (hit || p === '') return hit;
    const parent = p.replace(/(\.[^.[\]]+|\[[^\]]*\])$/, '');
    p = parent === p ? '' : parent;
  }
}

/** Collects diagnostics for one document; owned by one resolution run. */
export class DocReporter {
  constructor(readonly pd: ParsedDocument, readonly out: Diagnostic[]) {}

  error(code: string, path: string, message: string): void {
    this.push(code, path, message, 'error');
  }

  warn(code: string, path: string, message: string): void {
    this.push(code, path, message, 'warning');
  }

  private push(code: string, path: string, message: string, severity: Severity): void {
    this.out.push({ code, severity, message: escapeControl(message), path: path ? escapeControl(path) : undefined, source: at(this.pd, path) });
  }
}

/** `reviews` -> `reviews.<namespace>`; `reviews.default` unchanged. */
export function qualify(ref: string, namespace: string): string {
  return ref.includes('.') ? ref : `${ref}.${namespace}`;
}

export function formatRef(s: SourceRef | undefined): string {
  return s ? `${s.file}:${s.line}:${s.col}` : '<unknown>';
}
