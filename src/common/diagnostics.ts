/**
 * The one diagnostic model of weft: the `Diagnostic` value every module reports user-input problems
 * with, and the shape of the code tables that define its codes.
 *
 * Every module that reports diagnostics owns one table, `<Module>Codes` in its `codes.ts` (the CA's is
 * `src/ca/errors.ts`): a readonly map from a camelCase name to a `CodeInfo`. Call sites take the code
 * from the table (`PolicyCodes.unknownField.code`), never write a `WEFTnnnn` literal. A code is never
 * renumbered or reused for another meaning; docs/diagnostics.md is generated from the tables
 * (`npm run gen:diagnostics`) and a test keeps it, and the uniqueness of codes, in step.
 */

/** Where in a source file a value came from (1-based line and column). */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export type Severity = 'error' | 'warning';

/** A problem with user input. Never thrown: collected, returned, printed with `formatDiagnostic`. */
export interface Diagnostic {
  /** Stable code from a module's code table, e.g. `WEFT1003`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  /** Field path inside the document, e.g. `routes[1].backends[0].subset`. */
  readonly path?: string;
  /** Source position, when the diagnostic is about a file. */
  readonly source?: SourceRef;
}

/** One entry of a code table: what the code means to a user and what to do about it. */
export interface CodeInfo {
  /** `WEFT` and four digits, in the module's range. */
  readonly code: string;
  /** The severity the code is reported with; `error` blocks the input it is about. */
  readonly severity: Severity;
  /** What went wrong, one sentence in the user's terms. */
  readonly summary: string;
  /** What the user does about it. */
  readonly action: string;
  /** Earlier codes of the same meaning that users may have seen; never reported any more. */
  readonly aliases?: readonly string[];
}

/** A module's code table: a name per code (see the module comment). */
export type CodeTable = Readonly<Record<string, CodeInfo>>;
