/**
 * The logic of `weft validate DIR`: load the directory exactly as the server would (from the work
 * tree, or from a git commit with `ref`), optionally check references against a registry, and
 * render one diagnostic per line plus a summary. The CLI only prints `text` and exits with
 * `exitCode`.
 */
import { formatDiagnostic, hasErrors, type Diagnostic } from './diagnostics.js';
import { inDir, loadPolicyCommit, loadPolicyDir, type LoadOptions, type PolicyLoadResult } from './load.js';
import { checkPolicyAgainstRegistry, type RegistryServiceView } from './registry-check.js';
import { withRegistryHints } from './registry-hint.js';

export interface ValidateResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Human-readable report, newline-terminated. */
  readonly text: string;
  /** 0 when there are no errors (warnings allowed), 1 otherwise. */
  readonly exitCode: 0 | 1;
}

export interface ValidateOptions extends LoadOptions {
  /** Validate the directory as it is in this git commit (`--policy-ref`), not the work tree. */
  readonly ref?: string;
}

export async function validatePolicyCommand(
  dir: string,
  registryServices?: ReadonlyMap<string, RegistryServiceView>,
  opts: ValidateOptions = {},
): Promise<ValidateResult> {
  const { result, place, commit } = await load(dir, opts);
  const diagnostics = await withRegistryHints(result.diagnostics);
  if (result.ok && registryServices) {
    diagnostics.push(...checkPolicyAgainstRegistry(result.policy, registryServices).map(place));
  }
  const failed = !result.ok || hasErrors(diagnostics);
  const fileCount = result.ok ? result.policy.files.length : 0;
  const lines = diagnostics.map(formatDiagnostic);
  const at = commit ? ` (commit ${commit.slice(0, 12)})` : '';
  lines.push(failed ? failureSummary(diagnostics) : successSummary(fileCount, result.documents, diagnostics, at));
  return { diagnostics, text: `${lines.join('\n')}\n`, exitCode: failed ? 1 : 0 };
}

async function load(dir: string, opts: ValidateOptions): Promise<{ result: PolicyLoadResult; place: (d: Diagnostic) => Diagnostic; commit?: string }> {
  if (opts.ref === undefined) return { result: await loadPolicyDir(dir, opts), place: (d) => inDir(dir, d) };
  const r = await loadPolicyCommit(dir, opts.ref, opts);
  return { result: r, place: r.place, commit: r.commit };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function successSummary(files: number, documents: number, diagnostics: readonly Diagnostic[], at: string): string {
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const extra = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
  return `policy OK${at}: ${plural(files, 'file')}, ${plural(documents, 'document')}${extra}`;
}

function failureSummary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const files = new Set(errors.map((d) => d.source?.file ?? '<input>'));
  return `${plural(errors.length, 'error')} in ${plural(files.size, 'file')}`;
}
