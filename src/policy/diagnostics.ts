/**
 * Diagnostics: how every user-input error in weft is reported.
 *
 * A diagnostic never throws; loaders collect them and a load with any `error` is rejected whole.
 * The shape and the code tables are defined once in src/common/diagnostics.ts; this module re-exports
 * them and formats them. Tools and tests match on codes, never on message text.
 */
import type { Diagnostic } from '../common/index.js';

export type { CodeInfo, CodeTable, Diagnostic, Severity, SourceRef } from '../common/index.js';

/** `file:line:col path: message [CODE]`, the one human format used by the CLI, logs and the API. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.source ? `${d.source.file}:${d.source.line}:${d.source.col}` : '<input>';
  const path = d.path ? ` ${d.path}` : '';
  return `${where}${path}: ${d.severity}: ${d.message} [${d.code}]`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
