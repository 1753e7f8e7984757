/**
 * The SotW `DiscoveryRequest` decoder. Most requests are ACKs that repeat the stream's
 * subscription, and the proxies of one scope subscribe to the same names, so the names are
 * decoded once per distinct byte run and shared: an EDS ACK of a scope of 100 clusters is 100
 * strings protobufjs would otherwise build again for every proxy and every push.
 *
 * Contract:
 * - Same result as protobufjs' `DiscoveryRequest.decode` for every field weft reads
 *   (`version_info`, `node`, `resource_names`, `type_url`, `response_nonce`, `error_detail`);
 *   `resource_locators` and unknown fields are skipped. A truncated message or a field of
 *   another wire type than its declaration's is an error (`Decoded.ok` false), never a throw.
 *   Stricter than protobufjs in one case: a name whose length runs past the end of the message
 *   is an error, where protobufjs' Buffer reader cuts the string short.
 * - `resource_names` is a frozen array, possibly shared with other requests: never mutate it.
 * - Bounded memory: runs longer than `MAX_RUN` bytes are not kept; the kept runs total at most
 *   `BUDGET` bytes (and their names about as much), least recently used first out. A hit is a
 *   kept run with exactly the same bytes (compared in full), never a hash collision; at most
 *   `MAX_BUCKET` runs share a sample hash, so a lookup compares at most that many.
 */
import protobuf from 'protobufjs';
import { messageType } from '../../proto/index.js';
import type { Decoded, RawSotwRequest } from './requests.js';

const LENGTH_DELIMITED = 2;
/** Tag of `resource_names` (field 3, length-delimited): one byte. */
const NAMES_TAG = (3 << 3) | LENGTH_DELIMITED;
const MAX_RUN = 256 * 1024;
const BUDGET = 4 * 1024 * 1024;
/** Kept runs per sample hash. */
const MAX_BUCKET = 4;

export class NameRuns {
  /** Kept runs by a hash of a sample of their bytes; a hit is confirmed by comparing all of them. */
  private readonly buckets = new Map<number, Kept[]>();
  /** Least recently used first. */
  private readonly order = new Set<Kept>();
  private bytes = 0;
  hits = 0;

  constructor(private readonly budget = BUDGET, private readonly maxRun = MAX_RUN) {}

  /** The names encoded in `buf[start, end)`, a run of `resource_names` fields (tags included). */
  of(buf: Buffer, start: number, end: number): readonly string[] {
    const n = end - start;
    if (n > this.maxRun) return decodeRun(buf, start, end);
    const h = sampleHash(buf, start, end);
    const bucket = this.buckets.get(h);
    for (const k of bucket ?? []) {
      if (k.bytes.length === n && buf.compare(k.bytes, 0, n, start, end) === 0) {
        this.hits++;
        this.order.delete(k);
        this.order.add(k);
        return k.names;
      }
    }
    // A full bucket keeps no more: crafted runs that share their samples cost a few compares at most.
    if (bucket && bucket.length >= MAX_BUCKET) return decodeRun(buf, start, end);
    // Its own allocation, not a slice of Node's shared pool: a kept slice would pin a whole slab.
    const bytes = Buffer.allocUnsafeSlow(n);
    buf.copy(bytes, 0, start, end);
    const kept: Kept = { hash: h, bytes, names: decodeRun(buf, start, end) };
    if (bucket) bucket.push(kept);
    else this.buckets.set(h, [kept]);
    this.order.add(kept);
    this.bytes += n;
    for (const old of this.order) {
      if (this.bytes <= this.budget) break;
      this.drop(old);
    }
    return kept.names;
  }

  private drop(k: Kept): void {
    this.order.delete(k);
    this.bytes -= k.bytes.length;
    const bucket = this.buckets.get(k.hash)!;
    if (bucket.length === 1) this.buckets.delete(k.hash);
    else bucket.splice(bucket.indexOf(k), 1);
  }

  get size(): number {
    return this.order.size;
  }
}

interface Kept { readonly hash: number; readonly bytes: Buffer; readonly names: readonly string[] }

/** FNV-1a over the length and at most 64 bytes spread over the run, and its last 8: cheap, and
 * runs of different scopes differ in it (equal hashes only cost a comparison). */
function sampleHash(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  let h = Math.imul(2166136261 ^ n, 16777619);
  const step = Math.max(1, Math.floor(n / 64));
  for (let i = start; i < end; i += step) h = Math.imul(h ^ buf[i]!, 16777619);
  for (let i = Math.max(start, end - 8); i < end; i++) h = Math.imul(h ^ buf[i]!, 16777619);
  return h >>> 0;
}

function decodeRun(buf: Buffer, start: number, end: number): readonly string[] {
  const r = protobuf.Reader.create(buf.subarray(start, end));
  const names: string[] = [];
  while (r.pos < r.len) {
    r.uint32();
    names.push(r.string());
  }
  return Object.freeze(names);
}

let nodeType: protobuf.Type | undefined;
let statusType: protobuf.Type | undefined;

/** A deserializer for SotW requests sharing `runs` (one per server, or per process). */
export function sotwRequestDecoder(runs = new NameRuns()): (buf: Buffer) => Decoded<RawSotwRequest> {
  return (buf) => {
    try {
      return { ok: true, msg: decode(buf, runs) };
    } catch (err) {
      return { ok: false, error: `cannot decode envoy.service.discovery.v3.DiscoveryRequest: ${(err as Error).message}` };
    }
  };
}

function decode(buf: Buffer, runs: NameRuns): RawSotwRequest {
  const r = protobuf.Reader.create(buf);
  const msg: RawSotwRequest = { version_info: '', node: null, resource_names: NO_NAMES, type_url: '', response_nonce: '', error_detail: null };
  let names: string[] | undefined;
  while (r.pos < r.len) {
    const at = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field >= 1 && field <= 7 && wire !== LENGTH_DELIMITED) throw new Error(`field ${field} has wire type ${wire}, not ${LENGTH_DELIMITED}`);
    switch (field) {
      case 1: msg.version_info = r.string(); break;
      case 2: msg.node = (nodeType ??= messageType('envoy.config.core.v3.Node')).decode(r, r.uint32()) as unknown as RawSotwRequest['node']; break;
      case 3: {
        let end = at;
        while (end < r.len && buf[end] === NAMES_TAG) {
          r.pos = end + 1;
          const n = r.uint32();
          end = r.pos + n;
          if (end > r.len) throw new RangeError(`index out of range: ${end} > ${r.len}`);
        }
        r.pos = end;
        const run = runs.of(buf, at, end);
        if (msg.resource_names === NO_NAMES) msg.resource_names = run as string[];
        else (names ??= [...msg.resource_names]).push(...run);
        break;
      }
      case 4: msg.type_url = r.string(); break;
      case 5: msg.response_nonce = r.string(); break;
      case 6: msg.error_detail = (statusType ??= messageType('google.rpc.Status')).decode(r, r.uint32()) as unknown as RawSotwRequest['error_detail']; break;
      default: r.skipType(wire);
    }
  }
  if (names) msg.resource_names = Object.freeze(names) as string[];
  return msg;
}

const NO_NAMES: string[] = Object.freeze([]) as unknown as string[];
