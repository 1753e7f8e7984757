/**
 * Errors the CA reports about operator input (certificate and key files, the state directory).
 * They are values, never exceptions: a caller (the CLI) prints them and refuses to start. Codes are
 * stable (WEFT51xx, listed in docs/ca.md); match on `code`, never on `message`.
 */

export const CaCodes = {
  unreadable: 'WEFT5101',
  badCertificate: 'WEFT5102',
  badKey: 'WEFT5103',
  keyMismatch: 'WEFT5104',
  notCa: 'WEFT5105',
  noKeyCertSign: 'WEFT5106',
  weakKey: 'WEFT5107',
  expired: 'WEFT5108',
  badChain: 'WEFT5109',
  noRoot: 'WEFT5110',
  badState: 'WEFT5111',
  rotation: 'WEFT5112',
  badTrustDomain: 'WEFT5113',
  badTtl: 'WEFT5114',
  idWithoutPath: 'WEFT5115',
} as const;
export type CaCode = (typeof CaCodes)[keyof typeof CaCodes];

export interface CaError {
  readonly code: CaCode;
  readonly message: string;
  /** The file the problem is about, when there is one. */
  readonly file?: string;
}

export type CaResult<T> = { ok: true; value: T } | { ok: false; error: CaError };

export const caFail = (code: CaCode, message: string, file?: string): { ok: false; error: CaError } => ({
  ok: false,
  error: file === undefined ? { code, message } : { code, message, file },
});

/** `file: message [CODE]`, the same shape as weft's diagnostics. */
export function formatCaError(e: CaError): string {
  return `${e.file ?? '<ca>'}: error: ${e.message} [${e.code}]`;
}
