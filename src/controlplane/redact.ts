/**
 * Redaction of private key material, the one implementation for every read-only surface.
 *
 * `ControlPlaneView` promises never to return private keys (DESIGN.md §3): its config dumps (also
 * served over CSDS) pass through `redactSecrets`, since an SDS `Secret` carries
 * `tls_certificate.private_key`. The admin API applies it again to every response body as defence
 * in depth (REFERENCE.md §2: debug endpoints have leaked config before).
 *
 * Contract: returns a fresh value, never mutates its input. Redacts
 * - the whole value of any key named `private_key` / `privateKey` (DataSource `inline_bytes`,
 *   `inline_string`, `filename` alike), and of `private_key_provider`;
 * - any string containing a PEM private key block (`-----BEGIN ... PRIVATE KEY-----`), including
 *   base64 `inline_bytes` that decode to one.
 * Cycles are cut (`[cycle]`); nesting deeper than 64 levels is cut (`[truncated]`).
 */

export const REDACTED = '[redacted]';

const secretKeys = new Set(['private_key', 'privateKey', 'private_key_provider', 'privateKeyProvider']);
const pemKey = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** Long enough to hold a base64-encoded PEM header; shorter strings are left alone. */
const base64ish = /^[A-Za-z0-9+/=\s]{40,}$/;
const MAX_DEPTH = 64;

function redactString(s: string): string {
  if (pemKey.test(s)) return REDACTED;
  if (base64ish.test(s)) {
    const decoded = Buffer.from(s, 'base64').toString('latin1');
    if (pemKey.test(decoded)) return REDACTED;
  }
  return s;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return redactString(Buffer.from(value).toString('base64'));
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((v) => walk(v, depth + 1, seen));
  } else {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      obj[k] = secretKeys.has(k) ? REDACTED : walk(v, depth + 1, seen);
    }
    out = obj;
  }
  seen.delete(value);
  return out;
}

/** A deep copy of `value` with private key material replaced by `[redacted]`. */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}
