/**
 * The seam between a transport (grpc-js in production, a fake in tests) and the xDS stream state
 * machines (issue 14 #2). An `XdsStream` sees only this: requests arrive as decoded events, and
 * responses leave as bytes. Nothing in `stream.ts`, `sotw.ts` or `delta.ts` knows of grpc-js calls.
 *
 * Contract for implementations:
 * - `listen` is called once, right after construction, before any event is delivered; events
 *   arrive one at a time (never re-entrantly from inside `write`, `end` or `fail`).
 * - `request` carries one decoded request, or the reason the bytes could not be decoded (a
 *   transport never throws on a bad message).
 * - After `halfClose` or `gone` no further `request` is delivered.
 * - `write` returns false when the transport's buffer is full; `drain` follows once it has room.
 * - `end` finishes the stream with status OK, `fail` with the given gRPC status; either is called
 *   at most once by the stream, and nothing is written after it.
 */
import type { PeerCertificate } from 'node:tls';
import type { Decoded, RawDeltaRequest, RawSotwRequest } from './requests.js';

export interface TransportEvents<Raw> {
  request(d: Decoded<Raw>): void;
  /** The client finished its side of the stream. */
  halfClose(): void;
  /** The stream is gone (cancelled by the client, a connection error): nothing can be sent. */
  gone(code: number, message: string): void;
  /** The buffer has room again after `write` returned false. */
  drain(): void;
}

/** `Raw` is the decoded request type of the method (SotW or delta). */
export interface XdsTransport<Raw = RawSotwRequest | RawDeltaRequest> {
  /** The peer's address, for logs and status (`ipv4:127.0.0.1:40312`). */
  readonly peer: string;
  /** True when the stream runs over TLS. */
  readonly secure: boolean;
  /** The verified client certificate on a TLS port; undefined on a plaintext port. */
  peerCertificate(): PeerCertificate | undefined;
  listen(events: TransportEvents<Raw>): void;
  write(response: Buffer): boolean;
  end(): void;
  fail(code: number, message: string): void;
}

/** Time as the stream sees it: injected so tests run on a manual clock. */
export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; returns the function that cancels it. Must not keep the process alive. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock; timers are unref'd. `now` may be overridden (status timestamps in tests). */
export function systemClock(now: () => number = Date.now): Clock {
  return {
    now,
    setTimer(fn, ms) {
      const t = setTimeout(fn, ms);
      t.unref();
      return () => clearTimeout(t);
    },
  };
}
