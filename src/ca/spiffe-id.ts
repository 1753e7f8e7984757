/**
 * SPIFFE IDs: parsing, formatting and weft's workload identity scheme.
 *
 * Rules follow the SPIFFE ID standard (github.com/spiffe/spiffe, standards/SPIFFE-ID.md), summarised
 * in REFERENCE.md §3. Each rule has its own stable code (WEFT50xx in CaCodes, src/ca/errors.ts; docs/diagnostics.md) so
 * tools and tests match on the rule that failed, never on message text. Parsing never throws.
 */
import { SPIFFE_SCHEME, workloadIdText } from '../common/index.js';
import type { Diagnostic } from '../common/index.js';
import { CaCodes, type CaCode } from './errors.js';

export interface SpiffeId {
  /** Lowercase trust domain, e.g. `cluster.local`. */
  readonly trustDomain: string;
  /** `''` for a trust-domain ID, else `/seg/seg...` with no trailing slash. */
  readonly path: string;
}

/** A SPIFFE ID rule that failed: a `Diagnostic`, always an error. */
export interface SpiffeIdError extends Diagnostic {
  readonly code: SpiffeIdErrorCode;
  readonly severity: 'error';
}

export type Result<T, E = SpiffeIdError> = { ok: true; value: T } | { ok: false; error: E };
export type SpiffeIdResult = { ok: true; id: SpiffeId } | { ok: false; error: SpiffeIdError };

/** The code of a SPIFFE ID rule (`WEFT50xx`, in CaCodes). */
export type SpiffeIdErrorCode = Extract<CaCode, `WEFT50${string}`>;

// The text of weft's IDs is written once, in src/common (translate cannot import the CA).
export { SPIFFE_SCHEME, trustDomainIdText, workloadIdText } from '../common/index.js';
const SCHEME = SPIFFE_SCHEME;
const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN_BYTES = 255;
const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_CHARS = /^[a-zA-Z0-9._-]+$/;

const fail = (code: SpiffeIdErrorCode, message: string): SpiffeIdResult => ({
  ok: false,
  error: { code, severity: 'error', message },
});

/** Parses and validates a SPIFFE ID; the result's `id` is canonical (formatSpiffeId round-trips). */
export function parseSpiffeId(s: string): SpiffeIdResult {
  if (s.length === 0) return fail(CaCodes.idEmpty.code, 'SPIFFE ID is empty');
  if (Buffer.byteLength(s, 'utf8') > MAX_ID_BYTES) {
    return fail(CaCodes.idTooLong.code, `SPIFFE ID is longer than ${MAX_ID_BYTES} bytes`);
  }
  if (!s.startsWith(SCHEME)) return fail(CaCodes.idScheme.code, `SPIFFE ID must start with "${SCHEME}"`);
  const rest = s.slice(SCHEME.length);
  if (rest.includes('?')) return fail(CaCodes.idQuery.code, 'SPIFFE ID must not have a query');
  if (rest.includes('#')) return fail(CaCodes.idFragment.code, 'SPIFFE ID must not have a fragment');
  if (rest.includes('%')) {
    return fail(CaCodes.idPercentEncoding.code, 'SPIFFE ID must not contain percent-encoding');
  }
  const slash = rest.indexOf('/');
  const trustDomain = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  const tdError = checkTrustDomain(trustDomain);
  if (tdError) return { ok: false, error: tdError };
  const pathError = checkPath(path);
  if (pathError) return { ok: false, error: pathError };
  return { ok: true, id: { trustDomain, path } };
}

/** Validates a bare trust domain name; undefined when valid. */
export function checkTrustDomain(td: string): SpiffeIdError | undefined {
  const err = (code: SpiffeIdErrorCode, message: string): SpiffeIdError => ({ code, severity: 'error', message });
  if (td.length === 0) return err(CaCodes.trustDomainEmpty.code, 'trust domain is empty');
  if (td.includes('@')) return err(CaCodes.trustDomainUserinfo.code, 'trust domain must not contain userinfo');
  if (td.includes(':')) return err(CaCodes.trustDomainPort.code, 'trust domain must not contain a port');
  if (td.includes('%')) {
    return err(CaCodes.idPercentEncoding.code, 'trust domain must not contain percent-encoding');
  }
  if (/[A-Z]/.test(td)) return err(CaCodes.trustDomainUppercase.code, 'trust domain must be lowercase');
  if (!TRUST_DOMAIN_CHARS.test(td)) {
    return err(CaCodes.trustDomainChar.code, 'trust domain may only contain [a-z0-9._-]');
  }
  if (td.length > MAX_TRUST_DOMAIN_BYTES) {
    return err(CaCodes.trustDomainTooLong.code, `trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`);
  }
  return undefined;
}

function checkPath(path: string): SpiffeIdError | undefined {
  if (path === '') return undefined;
  if (path.endsWith('/')) {
    return { code: CaCodes.pathTrailingSlash.code, severity: 'error', message: 'SPIFFE ID path must not end with "/"' };
  }
  for (const seg of path.slice(1).split('/')) {
    if (seg === '') return { code: CaCodes.pathEmptySegment.code, severity: 'error', message: 'SPIFFE ID path has an empty segment' };
    if (seg === '.' || seg === '..') {
      return { code: CaCodes.pathDotSegment.code, severity: 'error', message: `SPIFFE ID path segment "${seg}" is not allowed` };
    }
    if (!PATH_SEGMENT_CHARS.test(seg)) {
      return { code: CaCodes.pathChar.code, severity: 'error', message: 'SPIFFE ID path segments may only contain [a-zA-Z0-9._-]' };
    }
  }
  return undefined;
}

/** The URI text of an ID, e.g. `spiffe://cluster.local/ns/default/sa/web`. */
export function formatSpiffeId(id: SpiffeId): string {
  return `${SCHEME}${id.trustDomain}${id.path}`;
}

/**
 * weft's workload identity (DESIGN.md §3): `spiffe://<td>/ns/<namespace>/sa/<service-account>`.
 * Validated like any ID, so a namespace containing `/` or other illegal characters is an error.
 */
export function workloadId(trustDomain: string, namespace: string, serviceAccount: string): SpiffeIdResult {
  const r = parseSpiffeId(workloadIdText(trustDomain, namespace, serviceAccount));
  if (r.ok && r.id.path.split('/').length !== 5) {
    return fail(CaCodes.notWorkload.code, 'namespace and service account must be single path segments');
  }
  return r;
}

export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** Splits a workload ID back into its parts; accepts a parsed ID or its text. */
export function parseWorkloadIdentity(id: SpiffeId | string): Result<WorkloadIdentity> {
  const parsed = typeof id === 'string' ? parseSpiffeId(id) : { ok: true as const, id };
  if (!parsed.ok) return parsed;
  const segs = parsed.id.path.split('/');
  if (segs.length !== 5 || segs[1] !== 'ns' || segs[3] !== 'sa') {
    return {
      ok: false,
      error: { code: CaCodes.notWorkload.code, severity: 'error', message: 'not a workload identity (/ns/<namespace>/sa/<sa>)' },
    };
  }
  return {
    ok: true,
    value: { trustDomain: parsed.id.trustDomain, namespace: segs[2]!, serviceAccount: segs[4]! },
  };
}
