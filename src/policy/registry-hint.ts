/**
 * `weft validate DIR` where DIR also holds the static registry (an example's root, with
 * `registry.yaml` beside `policy/`): the registry file has no `kind`, and the schema's
 * `missing "kind"` says nothing useful about it. A file whose only document is a map with a
 * top-level `services` key is recognised as a registry, and the diagnostic says to pass it with
 * `--registry` and to validate the policy directory alone.
 */
import { readFile } from 'node:fs/promises';
import { isMap, parseAllDocuments } from 'yaml';
import { PolicyCodes } from './codes.js';
import type { Diagnostic } from './diagnostics.js';

/** Whether the YAML text is a static registry file (one document, a map with `services`). */
export function looksLikeRegistry(text: string): boolean {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.length !== 1) return false;
  const top = docs[0]!.contents;
  return isMap(top) && top.has('services') && !top.has('kind');
}

/**
 * `diagnostics` with each `missing "kind"` error in a registry file replaced by one that names
 * the file as a registry. Files are read from disk (best effort: one that cannot be read keeps
 * its diagnostic).
 */
export async function withRegistryHints(diagnostics: readonly Diagnostic[]): Promise<Diagnostic[]> {
  const verdicts = new Map<string, Promise<boolean>>();
  const isRegistry = (file: string) => {
    if (!verdicts.has(file)) verdicts.set(file, readFile(file, 'utf8').then(looksLikeRegistry, () => false));
    return verdicts.get(file)!;
  };
  return Promise.all(diagnostics.map(async (d) => {
    const file = d.source?.file;
    if (d.code !== PolicyCodes.unknownKind.code || !d.message.startsWith('missing "kind"') || !file || !(await isRegistry(file))) return d;
    return { ...d, message: 'this is a service registry file (top-level "services"), not policy: pass it with --registry FILE and point weft validate at the policy directory alone' };
  }));
}
