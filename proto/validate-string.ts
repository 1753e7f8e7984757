/**
 * PGV `string` and `bytes` rules compiled into checks.
 *
 * Lengths: `len`/`min_len`/`max_len` count Unicode code points, `*_bytes` count UTF-8 bytes, as PGV
 * defines them. Patterns are RE2 in PGV; they are compiled here as JS `RegExp` with the `u` flag
 * (code points, like RE2 over UTF-8). A pattern JS cannot compile is recorded as unsupported.
 *
 * The HTTP header regexes are PGV's own: note that its header-name class `+-.` is a range
 * (`+`, `,`, `-`, `.`), so a comma passes, exactly as in Envoy.
 */
import { isIP } from 'node:net';
import { list, noteUnsupported, predsCheck, toNumber, type Pred, type RuleSet, type ValueCheck } from './validate-rules.js';

const headerName = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
const headerValue = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const headerLoose = /^[^\u0000\u000A\u000D]*$/;
const uuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Code points in `s` (a lone surrogate counts as one). */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (s.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

/** RFC 1034 host name as PGV checks it: dot-separated labels of letters, digits and inner hyphens. */
function isHostname(s: string): boolean {
  const host = s.endsWith('.') ? s.slice(0, -1) : s;
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((l) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(l));
}

function compilePattern(source: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(source, flags);
    } catch {
      // try the next flag set
    }
  }
  noteUnsupported(`string.pattern ${JSON.stringify(source)} (not a JS regular expression)`);
  return undefined;
}

type P = Pred<string>;

/** A rule bound as a number (protobufjs may give uint64 rule values as strings or Longs). */
function bound(r: RuleSet, key: string): number | undefined {
  return r[key] === undefined ? undefined : toNumber(r[key]);
}

function lengthPreds(r: RuleSet): P[] {
  const preds: P[] = [];
  const [len, min, max] = [bound(r, 'len'), bound(r, 'min_len'), bound(r, 'max_len')];
  const [lenB, minB, maxB] = [bound(r, 'len_bytes'), bound(r, 'min_bytes'), bound(r, 'max_bytes')];
  if (len !== undefined) preds.push({ rule: 'string.len', message: `must be exactly ${len} character(s)`, ok: (v) => codePoints(v) === len });
  // Cheap length tests first: a UTF-16 unit is at most one code point and at most 3 UTF-8 bytes,
  // and a code point is at most two units (so 2·min units hold at least min code points).
  if (min !== undefined) preds.push({ rule: 'string.min_len', message: `must be at least ${min} character(s)`, ok: (v) => v.length >= 2 * min || (v.length >= min && codePoints(v) >= min) });
  if (max !== undefined) preds.push({ rule: 'string.max_len', message: `must be at most ${max} character(s)`, ok: (v) => v.length <= max || codePoints(v) <= max });
  if (lenB !== undefined) preds.push({ rule: 'string.len_bytes', message: `must be exactly ${lenB} bytes`, ok: (v) => Buffer.byteLength(v) === lenB });
  if (minB !== undefined) preds.push({ rule: 'string.min_bytes', message: `must be at least ${minB} bytes`, ok: (v) => Buffer.byteLength(v) >= minB });
  if (maxB !== undefined) preds.push({ rule: 'string.max_bytes', message: `must be at most ${maxB} bytes`, ok: (v) => v.length * 3 <= maxB || Buffer.byteLength(v) <= maxB });
  return preds;
}

function contentPreds(r: RuleSet): P[] {
  const preds: P[] = [];
  const s = (k: string) => String(r[k]);
  if (r.const !== undefined) preds.push({ rule: 'string.const', message: `must equal ${JSON.stringify(s('const'))}`, ok: (v) => v === s('const') });
  if (r.prefix !== undefined) preds.push({ rule: 'string.prefix', message: `must start with ${JSON.stringify(s('prefix'))}`, ok: (v) => v.startsWith(s('prefix')) });
  if (r.suffix !== undefined) preds.push({ rule: 'string.suffix', message: `must end with ${JSON.stringify(s('suffix'))}`, ok: (v) => v.endsWith(s('suffix')) });
  if (r.contains !== undefined) preds.push({ rule: 'string.contains', message: `must contain ${JSON.stringify(s('contains'))}`, ok: (v) => v.includes(s('contains')) });
  if (r.not_contains !== undefined) preds.push({ rule: 'string.not_contains', message: `must not contain ${JSON.stringify(s('not_contains'))}`, ok: (v) => !v.includes(s('not_contains')) });
  const re = typeof r.pattern === 'string' ? compilePattern(r.pattern) : undefined;
  if (re) preds.push({ rule: 'string.pattern', message: `must match ${re.source}`, ok: (v) => re.test(v) });
  const inList = list(r.in).map(String);
  if (inList.length > 0) preds.push({ rule: 'string.in', message: `must be one of ${inList.map((x) => JSON.stringify(x)).join(', ')}`, ok: (v) => inList.includes(v) });
  const notIn = list(r.not_in).map(String);
  if (notIn.length > 0) preds.push({ rule: 'string.not_in', message: `must not be one of ${notIn.map((x) => JSON.stringify(x)).join(', ')}`, ok: (v) => !notIn.includes(v) });
  return preds;
}

function wellKnownPreds(r: RuleSet): P[] {
  const preds: P[] = [];
  const wk = r.well_known_regex;
  if (wk === 'HTTP_HEADER_NAME' || wk === 1 || wk === 'HTTP_HEADER_VALUE' || wk === 2) {
    const isName = wk === 'HTTP_HEADER_NAME' || wk === 1;
    const re = r.strict === false ? headerLoose : isName ? headerName : headerValue;
    const what = isName ? 'an HTTP header name' : 'an HTTP header value';
    preds.push({ rule: 'string.well_known_regex', message: `must be ${what}${r.strict === false ? ' without NUL, CR or LF' : ' (RFC 7230)'}`, ok: (v) => re.test(v) });
  } else if (wk !== undefined) {
    noteUnsupported(`string.well_known_regex ${String(wk)}`);
  }
  const simple: Record<string, [string, (v: string) => boolean]> = {
    ip: ['an IP address', (v) => isIP(v) !== 0],
    ipv4: ['an IPv4 address', (v) => isIP(v) === 4],
    ipv6: ['an IPv6 address', (v) => isIP(v) === 6],
    hostname: ['a host name', isHostname],
    address: ['a host name or IP address', (v) => isIP(v) !== 0 || isHostname(v)],
    uuid: ['a UUID', (v) => uuid.test(v)],
  };
  for (const [key, [what, ok]] of Object.entries(simple)) {
    if (r[key] === true) preds.push({ rule: `string.${key}`, message: `must be ${what}`, ok });
  }
  for (const key of ['email', 'uri', 'uri_ref']) if (r[key] === true) noteUnsupported(`string.${key}`);
  return preds;
}

/** Check for a `string` value under StringRules `r`. */
export function stringCheck(r: RuleSet): ValueCheck | undefined {
  const preds = [...lengthPreds(r), ...contentPreds(r), ...wellKnownPreds(r)];
  return predsCheck(preds, (v) => (typeof v === 'string' ? v : String(v ?? '')));
}

function toBytes(v: unknown): Buffer {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return typeof v === 'string' ? Buffer.from(v, 'base64') : Buffer.alloc(0);
}

/** Rule values of type `bytes` come from text format as strings of byte-valued characters. */
function ruleBytes(v: unknown): Buffer {
  return Buffer.from(String(v), 'latin1');
}

/** Check for a `bytes` value (Uint8Array or base64 string) under BytesRules `r`. */
export function bytesCheck(r: RuleSet): ValueCheck | undefined {
  const preds: Pred<Buffer>[] = [];
  const [len, min, max] = [bound(r, 'len'), bound(r, 'min_len'), bound(r, 'max_len')];
  if (len !== undefined) preds.push({ rule: 'bytes.len', message: `must be exactly ${len} bytes`, ok: (v) => v.length === len });
  if (min !== undefined) preds.push({ rule: 'bytes.min_len', message: `must be at least ${min} bytes`, ok: (v) => v.length >= min });
  if (max !== undefined) preds.push({ rule: 'bytes.max_len', message: `must be at most ${max} bytes`, ok: (v) => v.length <= max });
  if (r.const !== undefined) preds.push({ rule: 'bytes.const', message: 'must equal the constant', ok: (v) => v.equals(ruleBytes(r.const)) });
  if (r.prefix !== undefined) preds.push({ rule: 'bytes.prefix', message: 'must start with the prefix', ok: (v) => v.subarray(0, ruleBytes(r.prefix).length).equals(ruleBytes(r.prefix)) });
  if (r.suffix !== undefined) preds.push({ rule: 'bytes.suffix', message: 'must end with the suffix', ok: (v) => v.length >= ruleBytes(r.suffix).length && v.subarray(v.length - ruleBytes(r.suffix).length).equals(ruleBytes(r.suffix)) });
  if (r.contains !== undefined) preds.push({ rule: 'bytes.contains', message: 'must contain the bytes', ok: (v) => v.includes(ruleBytes(r.contains)) });
  const inList = list(r.in).map(ruleBytes);
  if (inList.length > 0) preds.push({ rule: 'bytes.in', message: 'must be one of the listed values', ok: (v) => inList.some((x) => x.equals(v)) });
  const notIn = list(r.not_in).map(ruleBytes);
  if (notIn.length > 0) preds.push({ rule: 'bytes.not_in', message: 'must not be one of the listed values', ok: (v) => !notIn.some((x) => x.equals(v)) });
  if (r.ip === true) preds.push({ rule: 'bytes.ip', message: 'must be 4 or 16 bytes', ok: (v) => v.length === 4 || v.length === 16 });
  if (r.ipv4 === true) preds.push({ rule: 'bytes.ipv4', message: 'must be 4 bytes', ok: (v) => v.length === 4 });
  if (r.ipv6 === true) preds.push({ rule: 'bytes.ipv6', message: 'must be 16 bytes', ok: (v) => v.length === 16 });
  if (r.pattern !== undefined) noteUnsupported('bytes.pattern');
  return predsCheck(preds, toBytes);
}
