/**
 * Checks Envoy resources (plain keepCase objects) against the protoc-gen-validate rules in Envoy's
 * protos, before weft sends them.
 *
 * Why: Envoy runs these `(validate.rules)` checks when it ingests a resource and NACKs on the first
 * failure; gRPC's xDS client does not run them, and clients built from other proto versions may
 * differ. Catching a violation here names the exact field, instead of a NACK string from one proxy.
 *
 * Contract:
 * - Pure: inputs are not mutated. Results are read-only: a resource without problems gets one
 *   shared frozen empty array; otherwise a fresh array.
 * - Never throws for a malformed object; throws only for a `typeName` that is not loaded (a
 *   programming error).
 * - Two stages (docs/validation.md, "Cost"): a compiled yes/no check (`validate-fast.ts`) answers
 *   for the common case, a resource that is fine, without building paths; only a resource it
 *   rejects is walked again by the reporters (`shapeErrors`, the `validate-message.ts` closures),
 *   which produce the violations. Both are compiled once per message type and cached for the
 *   process; the first call for a type pays the compilation.
 * - What is and is not checked: docs/validation.md. Rules seen but not implemented are listed by
 *   `unsupportedRules()`.
 */
import type protobuf from 'protobufjs';
import { resourceFits } from './validate-fast.js';
import { typeNamed } from './validate-lookup.js';
import { messageCheck } from './validate-message.js';
import { shapeErrors } from './validate-shape.js';
import type { Violation } from './validate-rules.js';

export type { Violation } from './validate-rules.js';
export { unsupportedRules } from './validate-rules.js';

const NONE: readonly Violation[] = Object.freeze([]);

/**
 * Every PGV violation in `obj` as a `typeName` (full name without a leading dot, e.g.
 * `envoy.config.cluster.v3.Cluster`), in field order; empty when it is valid.
 */
export function validateMessage(typeName: string, obj: object): readonly Violation[] {
  const type = typeNamed(typeName);
  return resourceFits(type, obj) ? NONE : ruleViolations(type, obj);
}

/**
 * The full pre-send gate: structural problems (unknown keys, wrong JS types, several members of a
 * oneof, unknown `Any` types; rule `shape`) followed by PGV violations.
 */
export function checkResource(typeName: string, obj: object): readonly Violation[] {
  const type = typeNamed(typeName);
  if (resourceFits(type, obj)) return NONE;
  const shape: Violation[] = shapeErrors(type, obj).map((e) => ({ path: e.path, rule: 'shape', message: e.message }));
  return [...shape, ...ruleViolations(type, obj)];
}

/** The reporting PGV walk: every violation with its path. */
function ruleViolations(type: protobuf.Type, obj: object): Violation[] {
  const out: Violation[] = [];
  messageCheck(type)?.(obj as Record<string, unknown>, '', out);
  return out;
}

/** Compiles the validators of `typeNames` (and everything below them) ahead of the first use. */
export function precompile(typeNames: readonly string[]): void {
  for (const name of typeNames) {
    const type = typeNamed(name);
    messageCheck(type);
    resourceFits(type, {});
  }
}
