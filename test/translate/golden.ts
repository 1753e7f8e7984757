/** Canonical golden-file rendering: sorted-key YAML of plain data (Maps become sorted objects). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { shortTypeName, type ResourceTypeUrl } from '../../proto/type-urls.js';
import type { TranslateResult } from '../../src/translate/index.js';

export function canonical(value: unknown): string {
  return stringify(JSON.parse(JSON.stringify(value)), { sortMapEntries: true, lineWidth: 0 });
}

export function envoyView(result: TranslateResult): unknown {
  const out: Record<string, unknown> = {};
  for (const [typeUrl, list] of result.resources) {
    out[shortTypeName[typeUrl as ResourceTypeUrl]] = list.map((r) => ({ name: r.name, message: r.message }));
  }
  return { resources: out, secrets: result.secrets, diagnostics: result.diagnostics };
}

/** Compares with the golden file, or rewrites it when UPDATE_GOLDEN=1. Returns the expected text. */
export function golden(file: string, actual: string): string {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    writeFileSync(file, actual);
    return actual;
  }
  return readFileSync(file, 'utf8');
}
