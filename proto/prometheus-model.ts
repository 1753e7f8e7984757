/**
 * The Prometheus data model messages Envoy's metrics service carries (`envoy_metrics` of
 * `envoy.service.metrics.v3.StreamMetricsMessage` are `io.prometheus.client.MetricFamily`). The
 * data-plane-api tree weft loads (proto/index.ts) imports `io/prometheus/client/metrics.proto` but
 * does not ship it; this is the subset weft decodes, written for weft with the field numbers and
 * types of prometheus/client_model's definition (proto2), so it is wire compatible. Fields weft
 * does not read (exemplars, native-histogram spans, timestamps) are left out: protobuf decoders
 * skip unknown fields.
 */
export const PROMETHEUS_MODEL_FILE = 'io/prometheus/client/metrics.proto';

export const PROMETHEUS_MODEL_PROTO = `
syntax = "proto2";
package io.prometheus.client;

message LabelPair { optional string name = 1; optional string value = 2; }
enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }
message Gauge { optional double value = 1; }
message Counter { optional double value = 1; }
message Quantile { optional double quantile = 1; optional double value = 2; }
message Summary { optional uint64 sample_count = 1; optional double sample_sum = 2; repeated Quantile quantile = 3; }
message Untyped { optional double value = 1; }
message Bucket { optional uint64 cumulative_count = 1; optional double upper_bound = 2; optional double cumulative_count_float = 4; }
message Histogram { optional uint64 sample_count = 1; optional double sample_sum = 2; repeated Bucket bucket = 3; optional double sample_count_float = 9; }
message Metric {
  repeated LabelPair label = 1;
  optional Gauge gauge = 2;
  optional Counter counter = 3;
  optional Summary summary = 4;
  optional Untyped untyped = 5;
  optional int64 timestamp_ms = 6;
  optional Histogram histogram = 7;
}
message MetricFamily { optional string name = 1; optional string help = 2; optional MetricType type = 3; repeated Metric metric = 4; }
`;
