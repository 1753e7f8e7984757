/**
 * The proxies connected to this control plane, grouped by snapshot key (identity + node id).
 * One proxy may hold several streams (ADS plus per-type streams); it is forgotten when the last
 * one closes.
 */
import type { NodeInfo, Snapshot, StreamInfo } from '../xds/index.js';
import type { ProxyDescription } from '../model/index.js';
import type { Diagnostic } from '../policy/index.js';
import type { ProxyIdentity } from './proxies.js';

export interface ConnectedProxy {
  readonly key: string;
  readonly node: NodeInfo;
  readonly identity: ProxyIdentity;
  /** Verified by a client certificate (false on the plaintext port). */
  readonly authenticated: boolean;
  readonly streams: Set<StreamInfo>;
  description?: ProxyDescription;
  snapshot?: Snapshot;
  /** Policy label the current snapshot was built from. */
  label?: string;
  diagnostics: readonly Diagnostic[];
  /** Total encoded bytes of the snapshot. */
  configBytes: number;
  /** Resource name -> policy location, for NACK reports. */
  sources: ReadonlyMap<string, string>;
  certificate?: { spiffeId: string; notAfter: number; serial: string };
}

export class ProxySet {
  private readonly byKey = new Map<string, ConnectedProxy>();

  /** Adds `stream` to its proxy, creating the proxy on its first stream. Returns the proxy and
   * whether it is new. */
  attach(key: string, stream: StreamInfo, node: NodeInfo, identity: ProxyIdentity, authenticated: boolean): { proxy: ConnectedProxy; created: boolean } {
    const existing = this.byKey.get(key);
    if (existing) {
      existing.streams.add(stream);
      return { proxy: existing, created: false };
    }
    const proxy: ConnectedProxy = { key, node, identity, authenticated, streams: new Set([stream]), diagnostics: [], configBytes: 0, sources: new Map() };
    this.byKey.set(key, proxy);
    return { proxy, created: true };
  }

  /** Removes `stream`; returns the proxy if that was its last stream (it is then forgotten). */
  detach(key: string, stream: StreamInfo): ConnectedProxy | undefined {
    const p = this.byKey.get(key);
    if (!p) return undefined;
    p.streams.delete(stream);
    if (p.streams.size > 0) return undefined;
    this.byKey.delete(key);
    return p;
  }

  get(key: string): ConnectedProxy | undefined {
    return this.byKey.get(key);
  }

  /** Finds a proxy by node id (what operators type). */
  byNodeId(id: string): ConnectedProxy | undefined {
    for (const p of this.byKey.values()) if (p.node.id === id) return p;
    return undefined;
  }

  all(): ConnectedProxy[] {
    return [...this.byKey.values()];
  }

  /** Identities still in use by some connected proxy. */
  usesIdentity(spiffeId: string): boolean {
    for (const p of this.byKey.values()) if (p.identity.spiffeId === spiffeId) return true;
    return false;
  }
}
