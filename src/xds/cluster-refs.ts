/**
 * Which clusters a listener or route configuration names, derived from the message itself.
 *
 * Make-before-break on ADS (warming.ts) holds a listener or route update until the clusters it
 * routes to are warm on the client, so it needs each resource's cluster references. Translation
 * does not hand them over, and they can be read off the Envoy message: every field through which
 * a Listener or RouteConfiguration names a cluster is
 * - a string field `cluster` (RouteAction.cluster, request_mirror_policies[].cluster, TcpProxy
 *   and its weighted clusters' parent, HttpUri.cluster of ext_authz and similar),
 * - `weighted_clusters.clusters[].name` (RouteAction and TcpProxy), or
 * - `cluster_name` (GrpcService.envoy_grpc of access loggers and tracers).
 * The walk is generic over the message tree (typed_config `Any`s are plain objects here), so a new
 * filter that names a cluster through one of these fields is covered without a list of filters.
 * Names that are not clusters of the client's snapshot are ignored by the caller, so a string that
 * happens to sit in such a field costs nothing but a lookup.
 *
 * Computed once per encoded resource (encoder.ts memoises it), not once per stream.
 */

/** The distinct cluster names `message` refers to, in first-seen order. */
export function clusterRefsOf(message: object): readonly string[] {
  const out = new Set<string>();
  walk(message, out, 0);
  return [...out];
}

/** Envoy messages are far shallower; the bound only stops a cyclic object from recursing forever. */
const MAX_DEPTH = 64;

function walk(value: unknown, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const v of value) walk(v, out, depth + 1);
    return;
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (typeof v === 'string') {
      if ((key === 'cluster' || key === 'cluster_name') && v !== '') out.add(v);
    } else if (key === 'weighted_clusters') {
      weighted(v, out);
    } else {
      walk(v, out, depth + 1);
    }
  }
}

function weighted(value: unknown, out: Set<string>): void {
  const clusters = (value as { clusters?: unknown } | null)?.clusters;
  if (!Array.isArray(clusters)) return;
  for (const c of clusters) {
    const name = (c as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && name !== '') out.add(name);
  }
}
