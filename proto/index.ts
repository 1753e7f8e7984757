/**
 * Envoy's data-plane-api protos, loaded once with protobufjs.
 *
 * Contract:
 * - The `.proto` files come from the `@grpc/grpc-js-xds` package's `deps/` tree as installed by npm;
 *   nothing is copied into this repository. The one file that tree imports without shipping, the
 *   Prometheus data model of the metrics service, is weft's own wire-compatible subset
 *   (prometheus-model.ts), parsed in before the files that import it.
 * - Fields keep their proto (snake_case) names (`keepCase: true`). The well-known types that
 *   protobufjs defines itself (`google.protobuf.Struct`, `Value`, `Any`, `Duration`, ...) keep the
 *   names protobufjs gives them: a `Struct` value is `{ stringValue: "x" }`, an `Any` is written in
 *   objects as `{ "@type": "type.googleapis.com/<full.name>", ...fields }`.
 * - `envoyRoot()` is loaded lazily, once per process, and is shared and never mutated by callers.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROMETHEUS_MODEL_FILE, PROMETHEUS_MODEL_PROTO } from './prometheus-model.js';

const require = createRequire(import.meta.url);

/** Directory of the installed `@grpc/grpc-js-xds` package's `deps/`. */
export const depsDir = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** Include roots, in the order protoc would be given them. */
export const includeDirs: readonly string[] = [
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(depsDir, d)),
  // google/protobuf/descriptor.proto (imported by the annotation protos) ships with protobufjs.
  path.dirname(require.resolve('protobufjs/package.json')),
];

/**
 * Entry files weft needs. Their imports are followed, so only the leaves are listed: every message
 * type that weft encodes, decodes, or places in an `Any` must be reachable from here.
 */
export const entryFiles: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/service/status/v3/csds.proto',
  'envoy/service/metrics/v3/metrics_service.proto',
  'envoy/config/metrics/v3/metrics_service.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/grpc_stats/v3/config.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/header_mutation/v3/header_mutation.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/config/trace/v3/zipkin.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
  'envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality.proto',
  'envoy/extensions/request_id/uuid/v3/uuid.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls_spiffe_validator_config.proto',
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
];

let root: protobuf.Root | undefined;

/** The shared protobufjs Root with every type in `entryFiles`, resolved. Loaded on first call. */
export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  protobuf.parse(PROMETHEUS_MODEL_PROTO, r, { keepCase: true });
  r.files.push(PROMETHEUS_MODEL_FILE);
  r.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target) || target === PROMETHEUS_MODEL_FILE) return target;
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  r.loadSync(entryFiles as string[], { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}


/** Looks up a message type by its full name (without leading dot); throws if it is not loaded. */
export function messageType(fullName: string): protobuf.Type {
  return envoyRoot().lookupType(fullName);
}

/** `type.googleapis.com/<fullName>`, the type URL of a message in an `Any`. */
export function typeUrlOf(fullName: string): string {
  return `type.googleapis.com/${fullName}`;
}
