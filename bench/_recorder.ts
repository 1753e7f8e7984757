/**
 * What a load generator records beyond round ACKs (protocol in `_ipc.ts`):
 * - marks: per proxy, when it ACKed the first response of a type whose bytes contain a marker
 *   (a change writes a unique value, such as an endpoint address, into one resource; finding it in
 *   a response means the change reached that proxy, without decoding anything);
 * - windows: per type, the responses, resources, bytes and distinct names delivered, and which
 *   proxies received anything, since the window opened.
 * Both are fed from the proxies' ACK listener and only ever read by the child's message handler.
 */
import type { AnyMessage } from './_proxy.js';
import type { TypeCount } from './_ipc.js';

const MAX_NAMES = 2000;

interface Mark {
  typeUrl: string;
  marker: Buffer;
  ackAt: (number | null)[];
  /** Indices of the proxies expected to receive it that have not yet. */
  missing: Set<number>;
  /** Called once `missing` is empty. */
  done?: () => void;
}

/** Field 1 of a message (the name of every xDS resource type, CLA's `cluster_name` included). */
export function firstStringField(bytes: Uint8Array): string | undefined {
  if (bytes[0] !== 0x0a) return undefined;
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < bytes.length; i++) {
    len |= (bytes[i]! & 0x7f) << shift;
    shift += 7;
    if ((bytes[i]! & 0x80) === 0) break;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + i + 1, len).toString('utf8');
}

export class Recorder {
  private readonly marks = new Map<number, Mark>();
  private window: { byType: Map<string, TypeCount & { seen: Set<number>; nameSet: Set<string> }>; receivers: Set<number> } | undefined;

  constructor(private proxies: number) {}

  /** After a reconnect the proxy count may differ; marks and windows restart. */
  reset(proxies: number): void {
    this.proxies = proxies;
    this.marks.clear();
    this.window = undefined;
  }

  /** `expected`: indices of the proxies that should receive the marker. */
  mark(id: number, typeUrl: string, marker: Buffer, expected: readonly number[]): void {
    this.marks.set(id, { typeUrl, marker, ackAt: new Array<number | null>(this.proxies).fill(null), missing: new Set(expected) });
  }

  /** Resolves (and forgets the mark) once every expected proxy has it, or after `timeoutMs`. */
  async collect(id: number, timeoutMs: number): Promise<(number | null)[]> {
    const m = this.marks.get(id);
    if (!m) return new Array<number | null>(this.proxies).fill(null);
    if (m.missing.size > 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        m.done = () => (clearTimeout(timer), resolve());
      });
    }
    this.marks.delete(id);
    return m.ackAt;
  }

  openWindow(): void {
    this.window = { byType: new Map(), receivers: new Set() };
  }

  /** The window's counts so far; `nodeIds` maps proxy indices to node ids. */
  counts(nodeIds: readonly string[]): { byType: Record<string, TypeCount>; receivers: string[] } {
    const byType: Record<string, TypeCount> = {};
    for (const [t, c] of this.window?.byType ?? []) {
      byType[t] = { responses: c.responses, resources: c.resources, bytes: c.bytes, proxies: c.seen.size, names: [...c.nameSet].sort() };
    }
    return { byType, receivers: [...(this.window?.receivers ?? [])].map((i) => nodeIds[i]!).sort() };
  }

  /** Called for every response a proxy ACKed. */
  onAck(index: number, typeUrl: string, at: number, response: Buffer, resources: readonly AnyMessage[]): void {
    for (const m of this.marks.values()) {
      if (m.typeUrl !== typeUrl || m.ackAt[index] !== null || !response.includes(m.marker)) continue;
      m.ackAt[index] = at;
      if (m.missing.delete(index) && m.missing.size === 0) m.done?.();
    }
    const w = this.window;
    if (!w) return;
    w.receivers.add(index);
    let c = w.byType.get(typeUrl);
    if (!c) w.byType.set(typeUrl, (c = { responses: 0, resources: 0, bytes: 0, proxies: 0, names: [], seen: new Set(), nameSet: new Set() }));
    c.responses++;
    c.resources += resources.length;
    c.bytes += response.length;
    c.seen.add(index);
    for (const r of resources) {
      if (c.nameSet.size >= MAX_NAMES) break;
      const name = firstStringField(r.value);
      if (name !== undefined) c.nameSet.add(name);
    }
  }
}
