/**
 * Checks Envoy resources (plain keepCase objects) against the protoc-gen-validate rules in Envoy's
 * protos, before weft sends them.
 *
 * Why: Envoy runs these `(validate.rules)` checks when it ingests a resource and NACKs on the first
 * failure; gRPC's xDS client does not run them, and clients built from other proto versions may
 * differ. Catching a violation here names the exact field, instead of a NACK string from one proxy.
 *
 * Contract:
 * - Pure: inputs are not mutated; results are fresh arrays owned by the caller.
 * - Never throws for a malformed object; throws only for a `typeName` that is not loaded (a
 *   programming error).
 * - Validators are compiled once per message type and cached for the process (see
 *   `validate-message.ts`); the first call for a type pays the compilation.
 * - What is and is not checked: docs/validation.md. Rules seen but not implemented are listed by
 *   `unsupportedRules()`.
 */
import { messageCheck } from './validate-message.js';
import { checkShape, typeNamed } from './validate-shape.js';
import type { Violation } from './validate-rules.js';

export type { Violation } from './validate-rules.js';
export { unsupportedRules } from './validate-rules.js';

/**
 * Every PGV violation in `obj` as a `typeName` (full name without a leading dot, e.g.
 * `envoy.config.cluster.v3.Cluster`), in field order; empty when it is valid.
 */
export function validateMessage(typeName: string, obj: object): Violation[] {
  const out: Violation[] = [];
  const check = messageCheck(typeNamed(typeName));
  check?.(obj as Record<string, unknown>, '', out);
  return out;
}

/**
 * The full pre-send gate: structural problems (unknown keys, wrong JS types, several members of a
 * oneof, unknown `Any` types; rule `shape`) followed by PGV violations.
 */
export function checkResource(typeName: string, obj: object): Violation[] {
  const type = typeNamed(typeName);
  const shape: Violation[] = checkShape(type, obj).map((e) => ({ path: e.path, rule: 'shape', message: e.message }));
  return [...shape, ...validateMessage(typeName, obj)];
}

/** Compiles the validators of `typeNames` (and everything below them) ahead of the first use. */
export function precompile(typeNames: readonly string[]): void {
  for (const name of typeNames) messageCheck(typeNamed(name));
}
