/**
 * The xDS resource type URLs weft serves, and the message type behind each. The one place these
 * strings are written; `translate` and `xds` both import them from here.
 */
export const TypeUrl = {
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RouteConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  ClusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type ResourceTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Short names used in logs, metrics labels and the admin API. */
export const shortTypeName: Readonly<Record<ResourceTypeUrl, 'LDS' | 'RDS' | 'CDS' | 'EDS' | 'SDS'>> = {
  [TypeUrl.Listener]: 'LDS',
  [TypeUrl.RouteConfiguration]: 'RDS',
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.ClusterLoadAssignment]: 'EDS',
  [TypeUrl.Secret]: 'SDS',
};

/**
 * Make-before-break push order on ADS (REFERENCE.md §1 "Warming and ordering"): clusters, then
 * endpoints, then listeners, then routes. Secrets go first: listeners and clusters that reference
 * them do not warm until they arrive.
 */
export const pushOrder: readonly ResourceTypeUrl[] = [
  TypeUrl.Secret,
  TypeUrl.Cluster,
  TypeUrl.ClusterLoadAssignment,
  TypeUrl.Listener,
  TypeUrl.RouteConfiguration,
];

/** Full protobuf message name of a type URL (`type.googleapis.com/` stripped). */
export function messageNameOf(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

export function isKnownTypeUrl(typeUrl: string): typeUrl is ResourceTypeUrl {
  return Object.prototype.hasOwnProperty.call(shortTypeName, typeUrl);
}
