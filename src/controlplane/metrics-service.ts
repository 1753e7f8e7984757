/**
 * Envoy's metrics service (`envoy.service.metrics.v3.MetricsService/StreamMetrics`) on weft's
 * authenticated xDS port: sidecars bootstrapped with the `envoy.stat_sinks.metrics_service` sink
 * (bootstrap.ts) stream their stats here every flush interval, over the same mTLS connection
 * cluster as xDS. The stream's identity is its verified client certificate, as for xDS (node
 * metadata and the `source_*` labels are never trusted); a stream without one is refused.
 * Reports feed `EdgeStats`. Malformed messages end the stream with INVALID_ARGUMENT; the gRPC
 * message limit of the xDS server bounds each report.
 * https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/metrics/v3/metrics_service.proto
 */
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { messageType } from '../../proto/index.js';
import { parseWorkloadIdentity } from '../ca/index.js';
import { spiffeIdOf } from './csds.js';
import type { EdgeStats, ReportedSeries } from './edge-stats.js';

const SERVICE = 'envoy.service.metrics.v3.MetricsService';
const messageT = messageType('envoy.service.metrics.v3.StreamMetricsMessage');
const responseT = messageType('envoy.service.metrics.v3.StreamMetricsResponse');

type Plain = Record<string, unknown>;
interface Family { name?: string; type?: string; metric?: { label?: { name?: string; value?: string }[]; counter?: { value?: number }; gauge?: { value?: number }; histogram?: { sample_count?: number; bucket?: { cumulative_count?: number; upper_bound?: number }[] } }[] }

/** Never throws: a malformed message becomes `{ invalid }`. */
function decode(bytes: Buffer): Plain {
  try {
    return messageT.toObject(messageT.decode(bytes), { enums: String, longs: Number, defaults: false });
  } catch (err) {
    return { invalid: `malformed StreamMetricsMessage: ${(err as Error).message}` };
  }
}

/** The series of one report, flattened: counters and gauges as `value`, histograms as buckets. */
export function reportedSeries(families: readonly Family[]): ReportedSeries[] {
  const out: ReportedSeries[] = [];
  for (const f of families) {
    if (!f.name) continue;
    for (const m of f.metric ?? []) {
      const labels: Record<string, string> = {};
      for (const l of m.label ?? []) if (l.name) labels[l.name] = l.value ?? '';
      if (m.histogram) {
        const buckets = (m.histogram.bucket ?? []).map((b) => [b.upper_bound ?? Infinity, b.cumulative_count ?? 0] as const);
        out.push({ name: f.name, labels, histogram: { count: m.histogram.sample_count ?? 0, buckets } });
      } else {
        const value = m.counter?.value ?? m.gauge?.value;
        if (value !== undefined) out.push({ name: f.name, labels, value });
      }
    }
  }
  return out;
}

interface AuthCall { getAuthContext?(): { readonly sslPeerCertificate?: PeerCertificate } | null }

function sourceOf(call: AuthCall, trustDomain: string): { namespace: string; workload: string } | string {
  const id = spiffeIdOf(call.getAuthContext?.()?.sslPeerCertificate);
  if (!id) return 'the metrics service needs the proxy\'s client certificate (a SPIFFE ID)';
  const w = parseWorkloadIdentity(id);
  if (!w.ok || w.value.trustDomain !== trustDomain) return `identity ${id} is not a workload of trust domain ${trustDomain}`;
  return { namespace: w.value.namespace, workload: w.value.serviceAccount };
}

let streams = 0;

/** The service for `XdsServer.addService(definition, implementation)`. */
export function metricsService(stats: EdgeStats, trustDomain: string): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition = {
    StreamMetrics: {
      path: `/${SERVICE}/StreamMetrics`, requestStream: true, responseStream: false,
      requestSerialize: (o: Plain) => Buffer.from(messageT.encode(messageT.fromObject(o)).finish()),
      requestDeserialize: decode,
      responseSerialize: (o: Plain) => Buffer.from(responseT.encode(responseT.fromObject(o)).finish()),
      responseDeserialize: (b: Buffer) => responseT.toObject(responseT.decode(b)),
    } satisfies grpc.MethodDefinition<Plain, Plain>,
  };
  const StreamMetrics = (call: grpc.ServerReadableStream<Plain, Plain>, callback: grpc.sendUnaryData<Plain>) => {
    const source = sourceOf(call, trustDomain);
    if (typeof source === 'string') return callback({ code: grpc.status.UNAUTHENTICATED, details: source });
    const key = `metrics-stream-${++streams}`;
    let done = false;
    const finish = (err: grpc.ServiceError | null) => {
      if (done) return;
      done = true;
      stats.closeProxy(key);
      callback(err, err ? undefined : {});
    };
    call.on('data', (m: Plain) => {
      if (typeof m.invalid === 'string') return finish({ code: grpc.status.INVALID_ARGUMENT, details: m.invalid } as grpc.ServiceError);
      stats.ingest(key, source, reportedSeries((m.envoy_metrics as Family[] | undefined) ?? []));
    });
    call.on('end', () => finish(null));
    call.on('error', () => finish(null));
    call.on('cancelled', () => finish(null));
  };
  return { definition, implementation: { StreamMetrics } as grpc.UntypedServiceImplementation };
}
