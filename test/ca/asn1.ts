/**
 * A minimal ASN.1 DER walker for tests, written separately from src/ca/der-reader.ts so that the
 * profile checks do not trust the code under test to read its own output.
 */

export interface Node {
  readonly tag: number;
  readonly header: number;
  readonly content: Uint8Array;
  readonly children: Node[];
}

const CONSTRUCTED = 0x20;

/** Parses one element (and, for constructed tags, all of its descendants). Throws on bad input. */
export function parse(buf: Uint8Array, at = 0): Node & { end: number } {
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3) throw new Error(`unsupported length form at ${at}`);
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[p++]!;
    if (len < 0x80 || (n > 1 && len < 1 << (8 * (n - 1)))) throw new Error(`non-minimal length at ${at}`);
  }
  const end = p + len;
  if (end > buf.length) throw new Error(`element at ${at} overruns its parent`);
  const content = buf.subarray(p, end);
  const children: Node[] = [];
  if (tag & CONSTRUCTED) {
    for (let q = 0; q < content.length; ) {
      const c = parse(content, q);
      children.push(c);
      q = c.end;
    }
  }
  return { tag, header: p - at, content, children, end };
}

export function oid(content: Uint8Array): string {
  const ids: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      ids.push(v);
      v = 0;
    }
  }
  const head = ids[0]!;
  const first = Math.min(2, Math.floor(head / 40));
  return [first, head - 40 * first, ...ids.slice(1)].join('.');
}

export interface Ext {
  readonly critical: boolean;
  readonly value: Node;
}

/** The extensions of a DER certificate keyed by OID, and the subject Name node. */
export function certParts(der: Uint8Array): { exts: Map<string, Ext>; extCount: number; subject: Node; serial: Node; version: Node } {
  const cert = parse(der);
  const tbs = cert.children[0]!;
  const [version, serial, , , , subject] = tbs.children as [Node, Node, Node, Node, Node, Node];
  const wrapper = tbs.children.find((c) => c.tag === 0xa3);
  const exts = new Map<string, Ext>();
  const list = wrapper?.children[0]?.children ?? [];
  for (const e of list) {
    const critical = e.children.length === 3 && e.children[1]!.content[0] === 0xff;
    const octets = e.children[e.children.length - 1]!;
    exts.set(oid(e.children[0]!.content), { critical, value: parse(octets.content) });
  }
  return { exts, extCount: list.length, subject, serial, version };
}
