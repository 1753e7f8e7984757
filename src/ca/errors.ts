/**
 * The code table of the CA module (`WEFT5xxx`; src/common/diagnostics.ts describes the model), and
 * the errors the CA reports about operator input (certificate and key files, the state directory,
 * SPIFFE IDs). They are values, never exceptions: a caller (the CLI) prints them and refuses to start.
 * Match on `code`, never on `message`. docs/diagnostics.md is generated from this table.
 */
import type { CodeTable, Diagnostic } from '../common/index.js';

const ID_ACTION = 'Write the ID as `spiffe://<trust-domain>/<path>` (REFERENCE.md §3).';

export const CaCodes = {
  // SPIFFE IDs (WEFT50xx): one code per rule of the SPIFFE ID standard (REFERENCE.md §3).
  idEmpty: { code: 'WEFT5001', severity: 'error', summary: 'The SPIFFE ID is empty.', action: ID_ACTION },
  idTooLong: { code: 'WEFT5002', severity: 'error', summary: 'The SPIFFE ID is longer than 2048 bytes.', action: ID_ACTION },
  idScheme: { code: 'WEFT5003', severity: 'error', summary: 'The SPIFFE ID does not start with `spiffe://`.', action: ID_ACTION },
  trustDomainEmpty: { code: 'WEFT5004', severity: 'error', summary: 'The trust domain is empty.', action: ID_ACTION },
  trustDomainUserinfo: { code: 'WEFT5005', severity: 'error', summary: 'The trust domain has userinfo (`@`).', action: ID_ACTION },
  trustDomainPort: { code: 'WEFT5006', severity: 'error', summary: 'The trust domain has a port (`:`).', action: ID_ACTION },
  idPercentEncoding: { code: 'WEFT5007', severity: 'error', summary: 'The SPIFFE ID contains percent-encoding.', action: ID_ACTION },
  trustDomainUppercase: { code: 'WEFT5008', severity: 'error', summary: 'The trust domain is not lowercase.', action: ID_ACTION },
  trustDomainChar: { code: 'WEFT5009', severity: 'error', summary: 'The trust domain has a character outside `[a-z0-9._-]`.', action: ID_ACTION },
  trustDomainTooLong: { code: 'WEFT5010', severity: 'error', summary: 'The trust domain is longer than 255 bytes.', action: ID_ACTION },
  idQuery: { code: 'WEFT5011', severity: 'error', summary: 'The SPIFFE ID has a query (`?`).', action: ID_ACTION },
  idFragment: { code: 'WEFT5012', severity: 'error', summary: 'The SPIFFE ID has a fragment (`#`).', action: ID_ACTION },
  pathEmptySegment: { code: 'WEFT5013', severity: 'error', summary: 'The path has an empty segment (`//`).', action: ID_ACTION },
  pathDotSegment: { code: 'WEFT5014', severity: 'error', summary: 'The path has a `.` or `..` segment.', action: ID_ACTION },
  pathTrailingSlash: { code: 'WEFT5015', severity: 'error', summary: 'The path ends with `/`.', action: ID_ACTION },
  pathChar: { code: 'WEFT5016', severity: 'error', summary: 'A path character outside `[a-zA-Z0-9._-]`.', action: ID_ACTION },
  notWorkload: { code: 'WEFT5017', severity: 'error', summary: 'Not a workload identity (`/ns/<ns>/sa/<sa>`, single segments).', action: ID_ACTION },
  // Operator input of the CA (WEFT51xx).
  unreadable: { code: 'WEFT5101', severity: 'error', summary: 'A CA file is unreadable, or the state directory cannot be created.', action: 'Check the path and that weft may read (and, for the state directory, write) it.' },
  badCertificate: { code: 'WEFT5102', severity: 'error', summary: 'A certificate file cannot be parsed (PEM with an X.509 certificate expected).', action: 'Pass a PEM certificate.' },
  badKey: { code: 'WEFT5103', severity: 'error', summary: 'A private key file cannot be parsed (PKCS#8 or SEC1 PEM expected).', action: 'Pass an unencrypted PEM private key.' },
  keyMismatch: { code: 'WEFT5104', severity: 'error', summary: 'The key does not match the certificate.', action: 'Pass the key that belongs to the certificate.' },
  notCa: { code: 'WEFT5105', severity: 'error', summary: 'The certificate is not a CA (basicConstraints CA:false or absent).', action: 'Pass a CA certificate.' },
  noKeyCertSign: { code: 'WEFT5106', severity: 'error', summary: 'The CA certificate\'s keyUsage lacks keyCertSign.', action: 'Issue the CA certificate with keyCertSign.' },
  weakKey: { code: 'WEFT5107', severity: 'error', summary: 'A weak or unsupported key (only EC P-256 and RSA ≥ 2048 bits).', action: 'Use an EC P-256 or RSA ≥ 2048 key.' },
  expired: { code: 'WEFT5108', severity: 'error', summary: 'The CA certificate is expired or not yet valid; a CA outside its validity refuses to issue.', action: 'Renew the CA certificate, or check the clock.' },
  badChain: { code: 'WEFT5109', severity: 'error', summary: 'The chain does not sign the certificate.', action: 'Pass the chain that issued the CA certificate, in order.' },
  noRoot: { code: 'WEFT5110', severity: 'error', summary: 'An intermediate CA without its root in the chain.', action: 'Append the root certificate to the chain file.' },
  badState: { code: 'WEFT5111', severity: 'error', summary: 'The CA state directory is inconsistent (`state.json`, a missing root or key).', action: 'Restore the directory from a backup, or start with an empty one (new roots).' },
  rotation: { code: 'WEFT5112', severity: 'error', summary: 'A root rotation step was refused; nothing changed.', action: 'Wait until the step\'s condition holds (the message says which), then retry.' },
  badTrustDomain: { code: 'WEFT5113', severity: 'error', summary: 'An invalid trust domain, or a SPIFFE ID outside the CA\'s trust domain.', action: 'Use the CA\'s trust domain.' },
  badTtl: { code: 'WEFT5114', severity: 'error', summary: 'A TTL that is not a positive number.', action: 'Give a positive duration.' },
  idWithoutPath: { code: 'WEFT5115', severity: 'error', summary: 'A workload certificate asked for a SPIFFE ID without a path.', action: 'Ask for `spiffe://<domain>/ns/<ns>/sa/<sa>`.' },
} as const satisfies CodeTable;
export type CaCode = (typeof CaCodes)[keyof typeof CaCodes]['code'];

/**
 * A CA problem: a `Diagnostic` (always an error) about a file as a whole, or about no file, so it
 * names the file instead of carrying a source position.
 */
export interface CaError extends Diagnostic {
  readonly code: CaCode;
  readonly severity: 'error';
  /** The file the problem is about, when there is one. */
  readonly file?: string;
}

export type CaResult<T> = { ok: true; value: T } | { ok: false; error: CaError };

export const caFail = (code: CaCode, message: string, file?: string): { ok: false; error: CaError } => ({
  ok: false,
  error: file === undefined ? { code, severity: 'error', message } : { code, severity: 'error', message, file },
});

/** `file: message [CODE]`, the same shape as weft's diagnostics. */
export function formatCaError(e: CaError): string {
  return `${e.file ?? '<ca>'}: error: ${e.message} [${e.code}]`;
}
