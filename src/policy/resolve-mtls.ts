/**
 * MtlsPolicy documents -> `MtlsPolicies`: each document alone (`resolveMtlsDoc`), then the check
 * across documents (`collectMtls`): at most one policy per level, that is one per namespace
 * without `service` and one per service; a second one is an error naming both locations.
 */
import { PolicyCodes } from './codes.js';
import type { MtlsMode, MtlsPolicies, MtlsPolicy } from './types.js';
import type { MtlsDoc } from './schema.js';
import type { ParsedDocument } from './parse.js';
import { DocReporter, at, formatRef, qualify } from './resolve-util.js';
import { compareText } from '../common/index.js';

export function resolveMtlsDoc(doc: MtlsDoc, r: DocReporter): MtlsPolicy {
  const ports = new Map(Object.entries(doc.ports ?? {}).map(([k, v]) => [Number(k), v as MtlsMode] as const).sort(([a], [b]) => a - b));
  if (ports.size > 0 && doc.service === undefined) {
    r.error(PolicyCodes.mtlsShape.code, 'ports', 'ports names service ports, so it needs service: a namespace-level MtlsPolicy sets only mode');
  }
  if (doc.mode === undefined && ports.size === 0) r.error(PolicyCodes.mtlsShape.code, '', 'an MtlsPolicy that sets neither mode nor ports changes nothing; set one of them');
  const service = doc.service === undefined ? undefined : qualify(doc.service, doc.namespace);
  if (service !== undefined && !service.endsWith(`.${doc.namespace}`)) {
    r.error(PolicyCodes.mtlsShape.code, 'service', `service ${service} is not in namespace ${doc.namespace}; an MtlsPolicy sets the mode of its own namespace's workloads`);
  }
  return { namespace: doc.namespace, ...(service !== undefined ? { service } : {}), ...(doc.mode ? { mode: doc.mode } : {}), ports, source: at(r.pd, '') };
}

export interface SourcedMtls { readonly policy: MtlsPolicy; readonly pd: ParsedDocument }

/** One policy per level; later duplicates (in file order) are reported with the first's location. */
export function collectMtls(docs: readonly SourcedMtls[], r: (pd: ParsedDocument) => DocReporter): MtlsPolicies | undefined {
  if (docs.length === 0) return undefined;
  const namespaces = new Map<string, SourcedMtls>();
  const services = new Map<string, SourcedMtls>();
  for (const d of docs) {
    const level = d.policy.service === undefined ? namespaces : services;
    const key = d.policy.service ?? d.policy.namespace;
    const first = level.get(key);
    if (!first) { level.set(key, d); continue; }
    const what = d.policy.service === undefined ? `namespace ${key}` : `service ${key}`;
    r(d.pd).error(PolicyCodes.duplicateMtls.code, d.policy.service === undefined ? 'namespace' : 'service',
      `a second MtlsPolicy for ${what} (at ${formatRef(at(d.pd, d.policy.service === undefined ? 'namespace' : 'service'))}); the first is at ${formatRef(at(first.pd, d.policy.service === undefined ? 'namespace' : 'service'))}; merge them into one`);
  }
  const sorted = (m: Map<string, SourcedMtls>) => new Map([...m].sort(([a], [b]) => compareText(a, b)).map(([k, v]) => [k, v.policy]));
  return { namespaces: sorted(namespaces), services: sorted(services) };
}
