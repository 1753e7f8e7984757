/**
 * Minimal protobuf wire writer for the two response messages weft sends on every push.
 *
 * Why by hand: a response is mostly resources that were encoded once (as `Any` or delta `Resource`
 * bytes) and are shared by every stream. Writing the envelope ourselves means a push only copies
 * those bytes, instead of re-encoding the resources through protobufjs per stream.
 * Field numbers are from envoy/service/discovery/v3/discovery.proto.
 */

const WIRE_LEN = 2;

/** Appends length-delimited fields and concatenates them once at the end. */
export class WireWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  bytes(field: number, value: Uint8Array): this {
    this.header(field, value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    if (value.length === 0) return this; // proto3 default: omitted
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** Appends bytes that are already a sequence of encoded fields. */
  raw(fields: Uint8Array): this {
    this.push(fields);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  /**
   * The message in memory of its own, never a slice of Node's shared 8 KB Buffer pool: for bytes
   * kept as long as a resource is served. A long-lived slice pins its whole pool slab, and with
   * every change a new slab fills with one kept encoding among transient ones (nonces, request
   * bytes): memory that grows with the number of changes, not with what is served.
   */
  finishDetached(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private header(field: number, length: number): void {
    const head = Buffer.allocUnsafe(10);
    let n = writeVarint(head, 0, (field << 3) | WIRE_LEN);
    n = writeVarint(head, n, length);
    this.push(head.subarray(0, n));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}

/**
 * A response's shared `body` followed by its per-stream fields, the nonce and the control-plane
 * identifier (an encoded `ControlPlane`), in one allocation and one copy of `body`: what a push
 * writes to each stream, so the only other copy is the transport's own framing.
 */
export function withNonce(body: Uint8Array, nonceField: number, nonce: string, controlPlaneField: number, controlPlane: Uint8Array): Buffer {
  const nonceBytes = Buffer.byteLength(nonce);
  const size = body.length + varintSize((nonceField << 3) | WIRE_LEN) + varintSize(nonceBytes) + nonceBytes
    + varintSize((controlPlaneField << 3) | WIRE_LEN) + varintSize(controlPlane.length) + controlPlane.length;
  const out = Buffer.allocUnsafe(size);
  out.set(body, 0);
  let at = writeVarint(out, body.length, (nonceField << 3) | WIRE_LEN);
  at = writeVarint(out, at, nonceBytes);
  at += out.write(nonce, at, 'utf8');
  at = writeVarint(out, at, (controlPlaneField << 3) | WIRE_LEN);
  at = writeVarint(out, at, controlPlane.length);
  out.set(controlPlane, at);
  return out;
}

function varintSize(value: number): number {
  let v = value >>> 0;
  let n = 1;
  while (v > 0x7f) {
    v >>>= 7;
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, offset: number, value: number): number {
  let v = value >>> 0;
  while (v > 0x7f) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[offset++] = v;
  return offset;
}

/** google.protobuf.Any { type_url = 1; value = 2 } */
export function encodeAny(typeUrl: string, value: Uint8Array): Buffer {
  return new WireWriter().string(1, typeUrl).bytes(2, value).finishDetached();
}

/** envoy.service.discovery.v3.Resource { version = 1; resource = 2; name = 3 } */
export function encodeDeltaResource(name: string, version: string, any: Uint8Array): Buffer {
  return new WireWriter().string(1, version).bytes(2, any).string(3, name).finishDetached();
}

/** DiscoveryResponse field numbers. */
export const SotwField = { versionInfo: 1, resources: 2, typeUrl: 4, nonce: 5, controlPlane: 6 } as const;
/** DeltaDiscoveryResponse field numbers. */
export const DeltaField = { systemVersionInfo: 1, resources: 2, typeUrl: 4, nonce: 5, removedResources: 6, controlPlane: 7 } as const;

/** envoy.config.core.v3.ControlPlane { identifier = 1 } */
export function encodeControlPlane(identifier: string): Buffer {
  return new WireWriter().string(1, identifier).finish();
}
