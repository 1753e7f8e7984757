/**
 * Authentication of xDS streams (DESIGN.md §3).
 *
 * On the TLS port grpc-js has already verified the client certificate against the trust bundle;
 * here its SPIFFE ID (the one URI SAN) becomes the stream's identity. Node metadata may repeat the
 * namespace and service account, but a claim that differs from the certificate is refused with
 * PERMISSION_DENIED, before anything is sent. On the plaintext port (`--insecure-xds`) the claim
 * is taken as is and the stream is marked unauthenticated: it never receives private keys.
 *
 * The snapshot key includes the identity, so two streams that share a node id but not an
 * identity can never see each other's configuration.
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { AuthRequest, AuthResult, NodeInfo } from '../xds/index.js';
import { parseWorkloadIdentity } from '../ca/index.js';
import { claimedIdentity, type ProxyIdentity } from './proxies.js';

export interface AuthOutcome {
  readonly result: AuthResult;
  readonly identity?: ProxyIdentity;
  readonly authenticated: boolean;
}

export function snapshotKey(spiffeId: string, nodeId: string): string {
  return `${spiffeId}#${nodeId}`;
}

export function authenticate(req: AuthRequest, trustDomain: string): AuthOutcome {
  if (!req.peerCertificate) {
    if (req.stream.secure) return deny(grpc.status.UNAUTHENTICATED, 'a client certificate is required on this port');
    const id = claimedIdentity(req.node, trustDomain);
    if (typeof id === 'string') return deny(grpc.status.INVALID_ARGUMENT, id);
    return { result: { ok: true, key: snapshotKey(id.spiffeId, req.node.id), identity: id.spiffeId }, identity: id, authenticated: false };
  }
  const uri = certificateUri(req.peerCertificate);
  if (!uri) return deny(grpc.status.UNAUTHENTICATED, 'the client certificate carries no SPIFFE ID (URI SAN)');
  const parsed = parseWorkloadIdentity(uri);
  if (!parsed.ok) return deny(grpc.status.UNAUTHENTICATED, `the client certificate's SPIFFE ID is not a workload identity: ${parsed.error.message}`);
  const w = parsed.value;
  if (w.trustDomain !== trustDomain) return deny(grpc.status.PERMISSION_DENIED, `identity ${uri} is not in trust domain ${trustDomain}`);
  const mismatch = claimMismatch(req.node, w.namespace, w.serviceAccount);
  if (mismatch) return deny(grpc.status.PERMISSION_DENIED, `${mismatch}, but the client certificate is ${uri}`);
  const identity: ProxyIdentity = { trustDomain, namespace: w.namespace, serviceAccount: w.serviceAccount, spiffeId: uri };
  return { result: { ok: true, key: snapshotKey(uri, req.node.id), identity: uri }, identity, authenticated: true };
}

function deny(code: number, message: string): AuthOutcome {
  return { result: { ok: false, code, message }, authenticated: false };
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
