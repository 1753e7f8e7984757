/**
 * The proxies connected to this control plane, grouped by snapshot key (channel + identity +
 * node id, see auth.ts). One proxy may hold several streams (ADS plus per-type streams); it is
 * forgotten when the last one closes. A stream only ever joins the proxy of its own key, so a
 * plaintext stream or a stream of another identity can never join an mTLS proxy.
 */
import type { NodeInfo, Snapshot, StreamInfo } from '../xds/index.js';
import type { ProxyDescription } from '../model/index.js';
import type { Diagnostic } from '../policy/index.js';
import type { Channel } from './auth.js';
import type { ProxyIdentity } from './proxies.js';
import { compareText } from '../common/index.js';

export interface ConnectedProxy {
  readonly key: string;
  readonly node: NodeInfo;
  readonly identity: ProxyIdentity;
  /** The port the proxy's streams came in on; `mtls` means verified by a client certificate. */
  readonly channel: Channel;
  readonly streams: Set<StreamInfo>;
  description?: ProxyDescription;
  /** `services` claimed in node metadata that the registry does not give this identity. */
  refusedServices: readonly string[];
  snapshot?: Snapshot;
  /** Policy label the current snapshot was built from. */
  label?: string;
  diagnostics: readonly Diagnostic[];
  /** Total encoded bytes of the snapshot. */
  configBytes: number;
  certificate?: { spiffeId: string; notAfter: number; serial: string };
}

export class ProxySet {
  private readonly byKey = new Map<string, ConnectedProxy>();
  /** node id -> the proxies using it (usually one; more is a collision). */
  private readonly byNode = new Map<string, Set<ConnectedProxy>>();

  /** Adds `stream` to the proxy of `key`, creating it on its first stream. */
  attach(key: string, stream: StreamInfo, node: NodeInfo, identity: ProxyIdentity, channel: Channel): { proxy: ConnectedProxy; created: boolean } {
    const existing = this.byKey.get(key);
    if (existing) {
      existing.streams.add(stream);
      return { proxy: existing, created: false };
    }
    const proxy: ConnectedProxy = { key, node, identity, channel, streams: new Set([stream]), refusedServices: [], diagnostics: [], configBytes: 0 };
    this.byKey.set(key, proxy);
    let same = this.byNode.get(node.id);
    if (!same) this.byNode.set(node.id, (same = new Set()));
    same.add(proxy);
    return { proxy, created: true };
  }

  /** Removes `stream`; returns the proxy if that was its last stream (it is then forgotten). */
  detach(key: string, stream: StreamInfo): ConnectedProxy | undefined {
    const p = this.byKey.get(key);
    if (!p) return undefined;
    p.streams.delete(stream);
    if (p.streams.size > 0) return undefined;
    this.byKey.delete(key);
    const same = this.byNode.get(p.node.id)!;
    same.delete(p);
    if (same.size === 0) this.byNode.delete(p.node.id);
    return p;
  }

  get(key: string): ConnectedProxy | undefined {
    return this.byKey.get(key);
  }

  /**
   * Finds a proxy by what operators type: a node id, or `<spiffe id>|<node id>` when several
   * identities use one node id. For a bare node id shared by several proxies, the mTLS one of
   * the lowest identity wins; `withNodeId` lists them all.
   */
  byNodeId(id: string): ConnectedProxy | undefined {
    // A SPIFFE ID holds no `|`, so the first one separates it from the node id.
    const bar = id.indexOf('|');
    const exact = bar > 0 ? this.withNodeId(id.slice(bar + 1)).find((p) => p.identity.spiffeId === id.slice(0, bar)) : undefined;
    return exact ?? this.withNodeId(id)[0];
  }

  /** Every proxy using node id `id`: authenticated first, then by identity. */
  withNodeId(id: string): ConnectedProxy[] {
    const rank = (p: ConnectedProxy) => (p.channel === 'mtls' ? 0 : 1);
    return [...(this.byNode.get(id) ?? [])].sort((a, b) => rank(a) - rank(b) || compareText(a.identity.spiffeId, b.identity.spiffeId));
  }

  all(): ConnectedProxy[] {
    return [...this.byKey.values()];
  }

  /** Identities still in use by some connected mTLS proxy (the only ones holding certificates). */
  usesIdentity(spiffeId: string): boolean {
    for (const p of this.byKey.values()) if (p.channel === 'mtls' && p.identity.spiffeId === spiffeId) return true;
    return false;
  }
}
