/**
 * Model → IR for how long a forwarded request or stream may live, and whether it may upgrade to a
 * WebSocket. Three separate limits (docs/translation.md "Timeouts and streams"):
 *
 * - request timeout → Envoy route `timeout`: from the end of the request to the end of the
 *   response, so for a server stream (gRPC streaming, server-sent events) the whole stream.
 *   Default: the mesh default on `http` ports; none on `grpc` and `http2` ports, where a response
 *   is often a stream and a gRPC caller sends its own deadline (`grpc-timeout`);
 * - idle timeout → route `idle_timeout` (absent: the HCM's stream idle timeout, Envoy's 5 min);
 * - stream duration → route `max_stream_duration` (absent: no limit).
 *
 * Proxyless gRPC reads none of `timeout` and `idle_timeout`: gRFC A31 caps a call's deadline at
 * `max_stream_duration.grpc_timeout_header_max`, else `max_stream_duration.max_stream_duration`.
 * So for gRPC clients the request timeout travels as `max_stream_duration` (the shorter of it and
 * the route's stream duration), and `grpc_timeout_header_max` is never sent (grpc-js reads a 0
 * there as "no cap" and would ignore the other field).
 */
import type { RoutePolicy, ServicePort } from '../model/index.js';
import type { IrForward } from './ir.js';
import { TranslateCodes } from './codes.js';

export interface StreamContext {
  readonly port: ServicePort;
  readonly kind: 'envoy' | 'grpc';
  /** The mesh default request timeout (http ports). */
  readonly timeoutMs: number;
}

export type StreamLimits = Pick<IrForward, 'timeoutMs' | 'idleTimeoutMs' | 'maxStreamDurationMs' | 'grpcTimeoutHeaderMaxMs' | 'websocket'>;

type Warn = (message: string, at: string, code: string) => void;

/** `grpc` and `http2` ports carry streams by design; gRPC clients make only gRPC calls. */
export function streamingPort(ctx: StreamContext): boolean {
  return ctx.kind === 'grpc' || ctx.port.protocol !== 'http';
}

/** The timeouts and upgrade setting of one forwarding route. */
export function streamLimits(ctx: StreamContext, p: RoutePolicy, path: string, warn: Warn): StreamLimits {
  const timeoutMs = p.timeoutMs ?? (streamingPort(ctx) ? 0 : ctx.timeoutMs);
  const maxStream = p.maxStreamDurationMs ? p.maxStreamDurationMs : undefined;
  if (ctx.kind === 'grpc') {
    if (p.idleTimeoutMs !== undefined) warn('gRPC clients have no per-route idle timeout; idleTimeout ignored', `${path}.idleTimeout`, TranslateCodes.unsupportedByKind.code);
    const deadline = [timeoutMs, maxStream ?? 0].filter((ms) => ms > 0);
    return { timeoutMs, ...(deadline.length ? { maxStreamDurationMs: Math.min(...deadline) } : {}) };
  }
  return {
    timeoutMs,
    ...(p.idleTimeoutMs !== undefined ? { idleTimeoutMs: p.idleTimeoutMs } : {}),
    ...(maxStream !== undefined ? { maxStreamDurationMs: maxStream } : {}),
    // The caller's grpc-timeout bounds the stream, capped at the route's stream duration (0: uncapped).
    ...(streamingPort(ctx) ? { grpcTimeoutHeaderMaxMs: maxStream ?? 0 } : {}),
    // HTTP/2 has no Upgrade; WebSocket over HTTP/2 (RFC 8441) is not configured on mesh clusters.
    websocket: ctx.port.protocol === 'http' && p.websocket !== false,
  };
}
