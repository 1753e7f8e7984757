/**
 * The grpc-js side of the transport seam (transport.ts): one server duplex call as an
 * `XdsTransport`. Requests are decoded by the method's deserializer (server.ts), which never
 * throws, so a `data` event always carries a `Decoded` value.
 */
import * as grpc from '@grpc/grpc-js';
import type { Decoded, RawDeltaRequest, RawSotwRequest } from './requests.js';
import type { TransportEvents, XdsTransport } from './transport.js';

export type XdsCall<Raw> = grpc.ServerDuplexStream<Decoded<Raw>, Buffer>;

export function grpcTransport<Raw extends RawSotwRequest | RawDeltaRequest>(call: XdsCall<Raw>): XdsTransport<Raw> {
  // Read once per stream: grpc-js builds the auth context anew on every call, from
  // `getPeerCertificate()` (the whole certificate as an object, fingerprints included).
  const auth = call.getAuthContext();
  const cert = auth.sslPeerCertificate;
  const peerCertificate = cert && Object.keys(cert).length > 0 ? cert : undefined;
  return {
    peer: call.getPeer(),
    secure: auth.transportSecurityType === 'ssl',
    peerCertificate: () => peerCertificate,
    listen(events: TransportEvents<Raw>) {
      call.on('data', (d: Decoded<Raw>) => events.request(d));
      call.on('end', () => events.halfClose());
      call.on('cancelled', () => events.gone(grpc.status.CANCELLED, 'stream cancelled'));
      call.on('error', (e: Error) => events.gone(grpc.status.UNAVAILABLE, e.message));
      call.on('drain', () => events.drain());
    },
    write: (response) => call.write(response),
    end: () => call.end(),
    // grpc-js ends a server stream with a status when an error is emitted on it.
    fail: (code, message) => void call.emit('error', { code, details: message }),
  };
}
