/**
 * Authentication of xDS streams (DESIGN.md §3, §11).
 *
 * Every stream belongs to one *channel*, fixed by the port it arrived on, never by what the
 * client sends:
 * - `mtls`: grpc-js has verified the client certificate against the trust bundle; its SPIFFE ID
 *   (the one URI SAN) is the stream's identity. Node metadata may repeat the namespace and
 *   service account; a claim that differs is refused with PERMISSION_DENIED before anything is
 *   sent.
 * - `plaintext` (`--insecure-xds`): the identity is only claimed by node metadata. Such a stream
 *   never receives a private key and never shares a snapshot, a proxy entry or a cache with an
 *   mTLS stream: the channel is part of the snapshot key, and the two channels publish into
 *   different snapshot caches.
 *
 * The snapshot key is (channel, identity, node id): two streams that share a node id but not an
 * identity or a channel can never see each other's configuration.
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { AuthRequest, AuthResult, NodeInfo } from '../xds/index.js';
import { parseWorkloadIdentity } from '../ca/index.js';
import { claimedIdentity, gatewayClaim, type ProxyIdentity } from './proxies.js';
import { ControlPlaneCodes } from './codes.js';

/** Which xDS port a stream came in on. */
export type Channel = 'mtls' | 'plaintext';

/** Who a stream is, as authentication established it; carried on the stream (`principal`). */
export class StreamPrincipal {
  constructor(
    readonly identity: ProxyIdentity,
    readonly channel: Channel,
  ) {}

  /** The principal `authenticate` bound to `stream`, if it was this module's. */
  static of(stream: { readonly principal?: unknown }): StreamPrincipal | undefined {
    return stream.principal instanceof StreamPrincipal ? stream.principal : undefined;
  }
}

/** `|` cannot occur in a SPIFFE ID, so the key is unambiguous whatever the node id holds. */
export function snapshotKey(channel: Channel, spiffeId: string, nodeId: string): string {
  return `${channel}|${spiffeId}|${nodeId}`;
}

export function authenticate(req: AuthRequest, trustDomain: string, channel: Channel): AuthResult {
  return channel === 'plaintext' ? plaintext(req, trustDomain) : mtls(req, trustDomain);
}

function plaintext(req: AuthRequest, trustDomain: string): AuthResult {
  // A gateway serves TLS with private keys, which never travel over plaintext xDS.
  if (gatewayClaim(req.node) !== undefined) return deny(grpc.status.PERMISSION_DENIED, `an ingress gateway needs the mTLS xDS port: its certificates' keys are never sent over plaintext xDS [${ControlPlaneCodes.gatewayRefused.code}]`);
  const id = claimedIdentity(req.node, trustDomain);
  if (typeof id === 'string') return deny(grpc.status.INVALID_ARGUMENT, id);
  return bound('plaintext', id, req.node.id);
}

function mtls(req: AuthRequest, trustDomain: string): AuthResult {
  if (!req.stream.secure || !req.peerCertificate) return deny(grpc.status.UNAUTHENTICATED, 'a client certificate is required on this port');
  const uri = certificateUri(req.peerCertificate);
  if (!uri) return deny(grpc.status.UNAUTHENTICATED, 'the client certificate carries no SPIFFE ID (URI SAN)');
  const parsed = parseWorkloadIdentity(uri);
  if (!parsed.ok) return deny(grpc.status.UNAUTHENTICATED, `the client certificate's SPIFFE ID is not a workload identity: ${parsed.error.message}`);
  const w = parsed.value;
  if (w.trustDomain !== trustDomain) return deny(grpc.status.PERMISSION_DENIED, `identity ${uri} is not in trust domain ${trustDomain}`);
  const mismatch = claimMismatch(req.node, w.namespace, w.serviceAccount);
  if (mismatch) return deny(grpc.status.PERMISSION_DENIED, `${mismatch}, but the client certificate is ${uri}`);
  const gateway = gatewayClaim(req.node);
  if (typeof gateway === 'string') return deny(grpc.status.INVALID_ARGUMENT, `${gateway} [${ControlPlaneCodes.gatewayRefused.code}]`);
  if (gateway && gateway.namespace !== w.namespace) {
    return deny(grpc.status.PERMISSION_DENIED, `node metadata says this proxy is Gateway ${gateway.namespace}/${gateway.name}, but the client certificate is ${uri}, of namespace ${w.namespace} [${ControlPlaneCodes.gatewayRefused.code}]`);
  }
  const identity: ProxyIdentity = { trustDomain, namespace: w.namespace, serviceAccount: w.serviceAccount, spiffeId: uri };
  return bound('mtls', identity, req.node.id);
}

function bound(channel: Channel, identity: ProxyIdentity, nodeId: string): AuthResult {
  const principal = new StreamPrincipal(identity, channel);
  return { ok: true, key: snapshotKey(channel, identity.spiffeId, nodeId), identity: identity.spiffeId, principal };
}

function deny(code: number, message: string): AuthResult {
  return { ok: false, code, message };
}

/** A port weft does not serve (a plaintext stream when `--insecure-xds` is off). */
export function refuseChannel(channel: Channel): AuthResult {
  return deny(grpc.status.PERMISSION_DENIED, `this control plane serves no ${channel} xDS`);
}

function claimMismatch(node: NodeInfo, namespace: string, serviceAccount: string): string | undefined {
  const ns = node.metadata.namespace;
  const sa = node.metadata.service_account;
  if (typeof ns === 'string' && ns !== '' && ns !== namespace) return `node metadata claims namespace "${ns}"`;
  if (typeof sa === 'string' && sa !== '' && sa !== serviceAccount) return `node metadata claims service account "${sa}"`;
  return undefined;
}

/** The single URI SAN of a verified peer certificate. */
function certificateUri(cert: PeerCertificate): string | undefined {
  const uris = (cert.subjectaltname ?? '').split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
  return uris.length === 1 ? uris[0] : undefined;
}
