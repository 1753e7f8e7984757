/**
 * Small builders shared by the IR → Envoy stage. Output is protobufjs keepCase plain objects,
 * typed by the generated Envoy types (messages.ts): snake_case fields, `Any` as
 * `{ '@type': typeUrl, ...fields }`, Durations `{ seconds, nanos }`, enums by name. Everything
 * here is mechanical: no decisions.
 */
import { ExtensionName, ExtensionTypeUrl } from '../../../proto/extension-urls.js';
import { GRPC_CERT_PROVIDER, TRUST_BUNDLE_SECRET } from '../names.js';
import type { AccessLog, AnyBody, AnyTypeUrl, CommonTlsContext, ConfigSource, Duration, FractionalPercent, PackedAny, SanMatcher,
  StringMatcher, Struct, Address } from './messages.js';

/** An `Any` carrying `body` as the message of `typeUrl` (a URL of proto/type-urls.ts or extension-urls.ts). */
export function any<U extends AnyTypeUrl>(typeUrl: U, body: AnyBody<U>): PackedAny {
  return { '@type': typeUrl, ...body } as PackedAny;
}

export function duration(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** `FractionalPercent` out of a million, so fractional policy percentages survive. */
export function fraction(percent: number): FractionalPercent {
  return { numerator: Math.round(percent * 10_000), denominator: 'MILLION' };
}

/** Resources referenced by name arrive on the same ADS stream. */
export const ADS: ConfigSource = Object.freeze({ ads: {}, resource_api_version: 'V3' });

export function socketAddress(address: string, port: number): Address {
  return { socket_address: { address, port_value: port } };
}

/** JSON access log to stdout; the field set is documented in docs/translation.md. */
const ACCESS_LOG_FORMAT: Readonly<Record<string, string>> = Object.freeze({
  start_time: '%START_TIME%', method: '%REQ(:METHOD)%', path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%', response_code: '%RESPONSE_CODE%', response_flags: '%RESPONSE_FLAGS%',
  bytes_received: '%BYTES_RECEIVED%', bytes_sent: '%BYTES_SENT%', duration_ms: '%DURATION%',
  upstream_host: '%UPSTREAM_HOST%', upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  downstream_peer: '%DOWNSTREAM_PEER_URI_SAN%', authority: '%REQ(:AUTHORITY)%',
  request_id: '%REQ(X-REQUEST-ID)%', route_name: '%ROUTE_NAME%',
  // Why a connection failed or ended: a TLS handshake's error either side, and which filter closed it.
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  downstream_transport_failure_reason: '%DOWNSTREAM_TRANSPORT_FAILURE_REASON%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
});

/**
 * Fields added on inbound listeners with audit rules (rbac.ts): the audit rule a request matched
 * (`audit_policy`, empty when none) and the shadow engine's verdict (`audit_result`: `denied` when
 * an audit rule matched, `allowed` otherwise), from the RBAC filter's dynamic metadata.
 */
const AUDIT_LOG_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  audit_policy: '%DYNAMIC_METADATA(envoy.filters.http.rbac:audit.shadow_effective_policy_id)%',
  audit_result: '%DYNAMIC_METADATA(envoy.filters.http.rbac:audit.shadow_engine_result)%',
});

export function accessLogs(enabled: boolean, audit = false): AccessLog[] {
  if (!enabled) return [];
  const fields = audit ? { ...ACCESS_LOG_FORMAT, ...AUDIT_LOG_FIELDS } : ACCESS_LOG_FORMAT;
  return [{
    name: ExtensionName.StdoutAccessLog,
    typed_config: any(ExtensionTypeUrl.StdoutAccessLog, { log_format: { json_format: structOf(fields) } }),
  }];
}

/** A `google.protobuf.Struct` of strings: well-known types keep protobufjs' camelCase names. */
export function structOf(fields: Readonly<Record<string, string>>): Struct {
  const out: NonNullable<Struct['fields']> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = { stringValue: v };
  return { fields: out };
}

/** The part of a `CommonTlsContext` that names the proxy's own certificate (no oneof of it). */
export type OwnCertificate = Pick<CommonTlsContext, 'tls_certificate_sds_secret_configs' | 'tls_certificate_provider_instance'>;

/** SDS secret references for Envoy: own certificate and the trust bundle, over ADS. */
export function sdsCertificate(identity: string): OwnCertificate {
  return { tls_certificate_sds_secret_configs: [{ name: identity, sds_config: ADS }] };
}

export type SpiffeMatch = { exact: string } | { prefix: string };

export function spiffeSanMatcher(match: SpiffeMatch): SanMatcher & { matcher: SpiffeMatch } {
  return { san_type: 'URI', matcher: match };
}

/** Validation context: trust bundle over SDS (Envoy) or certificate provider (gRPC) plus SAN matchers. */
export function validation(kind: 'envoy' | 'grpc', sans: readonly (SanMatcher & { matcher: SpiffeMatch })[]): CommonTlsContext {
  if (kind === 'grpc') {
    return { validation_context: { ca_certificate_provider_instance: { instance_name: GRPC_CERT_PROVIDER }, match_subject_alt_names: sans.map((s) => s.matcher) } };
  }
  return {
    combined_validation_context: {
      default_validation_context: { match_typed_subject_alt_names: sans },
      validation_context_sds_secret_config: { name: TRUST_BUNDLE_SECRET, sds_config: ADS },
    },
  };
}

/** Own certificate: the SDS secret `secretName` (Envoy) or the `default` provider (gRPC). */
export function ownCertificate(kind: 'envoy' | 'grpc', secretName: string): OwnCertificate {
  return kind === 'grpc' ? { tls_certificate_provider_instance: { instance_name: GRPC_CERT_PROVIDER } } : sdsCertificate(secretName);
}

/** A StringMatcher. `ignore_case` has no effect on `safe_regex` (Envoy's string.proto), so a
 * case-insensitive regex carries `(?i)` itself. */
export function stringMatch(m: { exact: string } | { prefix: string } | { contains: string } | { regex: string }, ignoreCase = false): StringMatcher {
  const base: StringMatcher = 'regex' in m ? { safe_regex: { regex: m.regex } } : { ...m };
  return ignoreCase && !('regex' in m) ? { ...base, ignore_case: true } : base;
}
