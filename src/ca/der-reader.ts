/**
 * A minimal DER reader for the few certificate fields the CA needs from an issuer certificate:
 * the raw subject Name (copied byte-for-byte into every issued certificate's issuer field, as RFC
 * 5280 name chaining compares encodings), the extensions (subjectKeyIdentifier, keyUsage) and the
 * subjectPublicKeyInfo. Validity, CA flag and key matching come from node's X509Certificate.
 *
 * Failure mode: malformed input makes `readTlv` return undefined; `certificateFields` returns
 * undefined for anything that is not a well-formed X.509 v3 certificate. It never throws.
 */

/** One decoded element: `raw` is the whole TLV, `body` its contents (both views into the input). */
export interface Tlv {
  readonly tag: number;
  readonly raw: Buffer;
  readonly body: Buffer;
}

/** Decodes the TLV starting at `offset`, or undefined if it does not fit in `buf`. */
export function readTlv(buf: Buffer, offset = 0): Tlv | undefined {
  const tag = buf[offset];
  let lenByte = buf[offset + 1];
  if (tag === undefined || lenByte === undefined) return undefined;
  let pos = offset + 2;
  let len = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n === 0 || n > 4) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) {
      lenByte = buf[pos++];
      if (lenByte === undefined) return undefined;
      len = len * 256 + lenByte;
    }
  }
  if (pos + len > buf.length) return undefined;
  return { tag, raw: buf.subarray(offset, pos + len), body: buf.subarray(pos, pos + len) };
}

/** The elements of a constructed value, in order; undefined if any child is malformed. */
export function children(parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  for (let off = 0; off < parent.body.length; ) {
    const child = readTlv(parent.body, off);
    if (!child) return undefined;
    out.push(child);
    off += child.raw.length;
  }
  return out;
}

/** Dotted text of an OBJECT IDENTIFIER body. */
export function oidText(body: Buffer): string {
  const subids: number[] = [];
  let v = 0;
  for (const byte of body) {
    v = v * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      subids.push(v);
      v = 0;
    }
  }
  const first = subids[0] ?? 0;
  const a = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [a, first - a * 40, ...subids.slice(1)].join('.');
}

export interface Extension {
  readonly critical: boolean;
  /** Contents of the extnValue OCTET STRING (itself DER). */
  readonly value: Buffer;
}

export interface CertificateFields {
  readonly tbs: Buffer;
  readonly subject: Buffer;
  readonly issuer: Buffer;
  readonly spki: Buffer;
  /** Validity in epoch milliseconds. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Keyed by dotted OID. */
  readonly extensions: ReadonlyMap<string, Extension>;
}

/** Splits a DER certificate into the fields above, or undefined when it is not X.509 v3. */
export function certificateFields(der: Buffer): CertificateFields | undefined {
  const cert = readTlv(der);
  const tbs = cert && children(cert)?.[0];
  const f = tbs && children(tbs);
  if (!tbs || !f || f[0]?.tag !== 0xa0 || f.length < 7) return undefined;
  const [, , , issuer, validity, subject, spki] = f as [Tlv, Tlv, Tlv, Tlv, Tlv, Tlv, Tlv];
  const [nb, na] = children(validity) ?? [];
  const notBefore = nb && parseTime(nb);
  const notAfter = na && parseTime(na);
  if (notBefore === undefined || notAfter === undefined) return undefined;
  const extWrapper = f.slice(7).find((t) => t.tag === 0xa3);
  const extensions = extWrapper ? parseExtensions(extWrapper) : new Map<string, Extension>();
  if (!extensions) return undefined;
  return {
    tbs: tbs.raw,
    subject: subject.raw,
    issuer: issuer.raw,
    spki: spki.raw,
    notBefore,
    notAfter,
    extensions,
  };
}

/** UTCTime (YYMMDDHHMMSSZ, 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ) to epoch ms. */
export function parseTime(t: Tlv): number | undefined {
  const text = t.body.toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m || (t.tag === 0x17) !== (m[1]!.length === 2)) return undefined;
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const [mo, d, h, mi, s] = m.slice(2).map(Number) as [number, number, number, number, number];
  return Date.UTC(year, mo - 1, d, h, mi, s);
}

function parseExtensions(wrapper: Tlv): Map<string, Extension> | undefined {
  const list = children(wrapper)?.[0];
  const items = list && children(list);
  if (!items) return undefined;
  const out = new Map<string, Extension>();
  for (const item of items) {
    const parts = children(item);
    if (!parts || parts.length < 2 || parts[0]?.tag !== 0x06) return undefined;
    const critical = parts.length === 3 && parts[1]?.tag === 0x01 && parts[1].body[0] !== 0;
    const value = parts[parts.length - 1]!;
    out.set(oidText(parts[0].body), { critical, value: value.body });
  }
  return out;
}

/** The keyUsage bits as a number where bit n is RFC 5280's KeyUsage bit n (digitalSignature = 0). */
export function keyUsageBits(extValue: Buffer): number {
  const bits = readTlv(extValue);
  if (!bits || bits.tag !== 0x03) return 0;
  let out = 0;
  bits.body.subarray(1).forEach((byte, i) => {
    for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) out |= 1 << (i * 8 + b);
  });
  return out;
}
