/**
 * The SDS secret names a set of clusters or listeners refers to, found the way Envoy finds them:
 * in each TLS transport socket's `common_tls_context` (own certificates, the validation context,
 * or the combined validation context). Used by the simulated proxy to subscribe to SDS.
 */
import { messageType } from '../proto/index.js';
import { TypeUrl } from '../proto/type-urls.js';

interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

interface Named {
  name?: string;
}

interface CommonTls {
  tls_certificate_sds_secret_configs?: Named[];
  validation_context_sds_secret_config?: Named;
  combined_validation_context?: { validation_context_sds_secret_config?: Named };
}

interface TransportSocket {
  typed_config?: AnyMessage;
}

const TLS_PREFIX = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.';
const Cluster = messageType('envoy.config.cluster.v3.Cluster');
const Listener = messageType('envoy.config.listener.v3.Listener');

function tlsNames(socket: TransportSocket | undefined, out: Set<string>): void {
  const any = socket?.typed_config;
  if (!any || !any.type_url.startsWith(TLS_PREFIX)) return;
  const ctx = messageType(any.type_url.slice('type.googleapis.com/'.length)).decode(any.value) as unknown as { common_tls_context?: CommonTls };
  const c = ctx.common_tls_context;
  if (!c) return;
  for (const s of c.tls_certificate_sds_secret_configs ?? []) if (s.name) out.add(s.name);
  const v = c.validation_context_sds_secret_config?.name ?? c.combined_validation_context?.validation_context_sds_secret_config?.name;
  if (v) out.add(v);
}

/** Sorted secret names referred to by `resources` of `typeUrl` (clusters or listeners). */
export function secretNames(typeUrl: string, resources: readonly AnyMessage[]): string[] {
  const out = new Set<string>();
  for (const r of resources) {
    if (typeUrl === TypeUrl.Cluster) {
      const c = Cluster.decode(r.value) as unknown as { transport_socket?: TransportSocket };
      tlsNames(c.transport_socket, out);
    } else if (typeUrl === TypeUrl.Listener) {
      const l = Listener.decode(r.value) as unknown as { filter_chains?: { transport_socket?: TransportSocket }[] };
      for (const chain of l.filter_chains ?? []) tlsNames(chain.transport_socket, out);
    }
  }
  return [...out].sort();
}
