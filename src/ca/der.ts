/**
 * A minimal DER encoder: just the ASN.1 types an X.509 certificate needs.
 *
 * Why our own: the issuance hot path builds thousands of certificates per second, and general
 * ASN.1 libraries spend most of their time building object trees (PERFORMANCE.md: ~180 certs/s with
 * @peculiar/x509). Every function here returns a fresh Buffer holding one complete TLV; callers own
 * the result and may concatenate it freely. Inputs are trusted values built by weft itself, never
 * user text, so the functions throw (programming errors) rather than report diagnostics.
 */

/** Universal and context tags used by X.509. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The length octets of DER: short form below 128, else long form with minimal bytes. */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given tag byte around the concatenated contents. */
export function tlv(tag: number, ...contents: readonly Buffer[]): Buffer {
  const body = contents.length === 1 ? contents[0]! : Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export const seq = (...items: readonly Buffer[]): Buffer => tlv(Tag.sequence, ...items);
export const set = (...items: readonly Buffer[]): Buffer => tlv(Tag.set, ...items);
export const octets = (b: Buffer): Buffer => tlv(Tag.octetString, b);
export const derNull = (): Buffer => Buffer.from([Tag.null, 0]);
export const bool = (v: boolean): Buffer => Buffer.from([Tag.boolean, 1, v ? 0xff : 0]);

/** A BIT STRING with no unused bits (keys, signatures). */
export const bitString = (b: Buffer): Buffer => tlv(Tag.bitString, Buffer.from([0]), b);

/** A constructed context-specific tag `[n]` (EXPLICIT wrappers, ECPrivateKey fields). */
export const explicit = (n: number, ...items: readonly Buffer[]): Buffer => tlv(0xa0 | n, ...items);

/** A primitive context-specific tag `[n]` (IMPLICIT GeneralName choices, AKI keyIdentifier). */
export const implicit = (n: number, b: Buffer): Buffer => tlv(0x80 | n, b);

/**
 * A non-negative INTEGER from big-endian magnitude bytes: leading zero bytes are stripped and a 0x00
 * is prepended when the high bit is set, as DER's minimal two's-complement encoding requires.
 */
export function uintFromBytes(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const trimmed = magnitude.subarray(i);
  const pad = (trimmed[0] ?? 0) & 0x80 ? Buffer.from([0]) : Buffer.alloc(0);
  return tlv(Tag.integer, pad, trimmed.length ? trimmed : Buffer.from([0]));
}

export const smallInt = (n: number): Buffer => uintFromBytes(Buffer.from([n]));

const oidCache = new Map<string, Buffer>();

/** An OBJECT IDENTIFIER from dotted text, e.g. `2.5.29.17`. Encodings are memoised: callers must
 * not mutate the returned Buffer (every caller here only concatenates it). */
export function oid(dotted: string): Buffer {
  let cached = oidCache.get(dotted);
  if (!cached) oidCache.set(dotted, (cached = encodeOid(dotted)));
  return cached;
}

function encodeOid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [];
  // X.690 §8.19: the first two arcs share one subidentifier (a*40+b), itself base-128 like the rest.
  for (const arc of [a * 40 + b, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(Tag.oid, Buffer.from(out));
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * RFC 5280 §4.1.2.5: UTCTime for years 1950–2049, GeneralizedTime from 2050, always in UTC with
 * seconds and no fraction. Milliseconds are truncated.
 */
export function time(ms: number): Buffer {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const rest =
    pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) + pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds()) + 'Z';
  if (y >= 1950 && y < 2050) return tlv(Tag.utcTime, Buffer.from(pad2(y % 100) + rest, 'latin1'));
  return tlv(Tag.generalizedTime, Buffer.from(String(y).padStart(4, '0') + rest, 'latin1'));
}

/** `-----BEGIN <label>-----` armour with 64-column base64 lines and a trailing newline. */
export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
