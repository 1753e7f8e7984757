/**
 * Diagnostics: how every user-input error in weft is reported.
 *
 * A diagnostic never throws; loaders collect them and a load with any `error` is rejected whole.
 * Codes are stable identifiers (`WEFT1xxx` policy syntax/schema, `WEFT2xxx` policy references and
 * semantics, `WEFT3xxx` registry files, `WEFT4xxx` translation/validation) and are documented in
 * docs/diagnostics.md; tests and tooling match on them, never on message text.
 */

/** Where in a source file a value came from (1-based line and column). */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable code, e.g. `WEFT1003`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Field path inside the document, e.g. `routes[1].backends[0].subset`. */
  readonly path?: string;
  /** Source position, when the diagnostic is about a file. */
  readonly source?: SourceRef;
}

/** `file:line:col path: message [CODE]`, the one human format used by the CLI, logs and the API. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.source ? `${d.source.file}:${d.source.line}:${d.source.col}` : '<input>';
  const path = d.path ? ` ${d.path}` : '';
  return `${where}${path}: ${d.severity}: ${d.message} [${d.code}]`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
