/**
 * The Envoy message types translate builds, named once. They come from the generated
 * `./generated/envoy.ts` (scripts/gen-envoy-types.mjs, made by the build from the protos weft
 * loads); every builder in this directory imports its message types from here. Type-only: the
 * generated file holds no values, so nothing at run time depends on it.
 */
import type { Enums, Messages, PackedAny } from './generated/envoy.js';

export type { AnyTypeUrl, PackedAny } from './generated/envoy.js';

/** The message `M`, by full proto name. */
export type Message<M extends keyof Messages> = Messages[M];
/** The enum `E`, by full proto name. */
export type Enum<E extends keyof Enums> = Enums[E];

// Resources.
/** A resource as the builders return it: its name is always set (xDS names resources by it). */
export type Named<T> = T & { name: string };
export type Cluster = Messages['envoy.config.cluster.v3.Cluster'];
export type ClusterLoadAssignment = Messages['envoy.config.endpoint.v3.ClusterLoadAssignment'];
export type Listener = Messages['envoy.config.listener.v3.Listener'];
export type RouteConfiguration = Messages['envoy.config.route.v3.RouteConfiguration'];

// Listeners and their parts.
export type Filter = Messages['envoy.config.listener.v3.Filter'];
export type FilterChain = Messages['envoy.config.listener.v3.FilterChain'];
export type ListenerFilter = Messages['envoy.config.listener.v3.ListenerFilter'];
export type TransportSocket = Messages['envoy.config.core.v3.TransportSocket'];
export type Address = Messages['envoy.config.core.v3.Address'];
export type ConfigSource = Messages['envoy.config.core.v3.ConfigSource'];
export type AccessLog = Messages['envoy.config.accesslog.v3.AccessLog'];
export type CommonTlsContext = Messages['envoy.extensions.transport_sockets.tls.v3.CommonTlsContext'];
export type SdsSecretConfig = Messages['envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig'];
export type SanMatcher = Messages['envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher'];

// HTTP.
export type HttpConnectionManager = Messages['envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'];
export type HttpFilter = Messages['envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter'];
export type HcmTracing = Messages['envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.Tracing'];
export type VirtualHost = Messages['envoy.config.route.v3.VirtualHost'];
export type Route = Messages['envoy.config.route.v3.Route'];
export type RouteMatch = Messages['envoy.config.route.v3.RouteMatch'];
export type RouteAction = Messages['envoy.config.route.v3.RouteAction'];
export type RetryPolicy = Messages['envoy.config.route.v3.RetryPolicy'];
export type HashPolicy = Messages['envoy.config.route.v3.RouteAction.HashPolicy'];
export type RedirectAction = Messages['envoy.config.route.v3.RedirectAction'];
export type HeaderValueOption = Messages['envoy.config.core.v3.HeaderValueOption'];
export type HttpFault = Messages['envoy.extensions.filters.http.fault.v3.HTTPFault'];

// RBAC.
export type Rbac = Messages['envoy.config.rbac.v3.RBAC'];
export type RbacPolicy = Messages['envoy.config.rbac.v3.Policy'];
export type Permission = Messages['envoy.config.rbac.v3.Permission'];
export type Principal = Messages['envoy.config.rbac.v3.Principal'];
export type HttpRbac = Messages['envoy.extensions.filters.http.rbac.v3.RBAC'];
export type NetworkRbac = Messages['envoy.extensions.filters.network.rbac.v3.RBAC'];

// Common types.
export type Duration = Messages['google.protobuf.Duration'];
export type Struct = Messages['google.protobuf.Struct'];
export type FractionalPercent = Messages['envoy.type.v3.FractionalPercent'];
export type StringMatcher = Messages['envoy.type.matcher.v3.StringMatcher'];

/** The message an `Any` of type URL `U` carries (its fields, without `@type`). */
export type AnyBody<U extends PackedAny['@type']> = Omit<Extract<PackedAny, { '@type': U }>, '@type'>;
