/**
 * ExternalService documents -> `ExternalService` values, with the checks that need more than one
 * field: resolution against addresses, TCP ports against resolution, TLS origination against
 * `tls` ports. Problems are reported on the document; the value is still returned so later
 * checks can run (the set is refused as a whole when any error was reported).
 */
import { PolicyCodes } from './codes.js';
import type { ExternalService } from './types.js';
import type { ExternalDoc } from './schema.js';
import { DEFAULT_NAMESPACE, at, type DocReporter } from './resolve-util.js';
import { compareText } from '../common/index.js';

/** Where Debian, Ubuntu and Alpine keep the system CA bundle (the envoy-server image uses it). */
export const DEFAULT_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

export function resolveExternal(doc: ExternalDoc, r: DocReporter): ExternalService {
  const namespace = doc.namespace ?? DEFAULT_NAMESPACE;
  const resolution = doc.resolution ?? 'dns';
  const hosts = [...doc.hosts];
  checkResolution(doc, resolution, r);
  if (doc.tls) {
    const i = doc.ports.findIndex((p) => p.protocol === 'tls');
    if (i >= 0) r.error(PolicyCodes.externalTlsOnTlsPort.code, `ports[${i}].protocol`, `port ${doc.ports[i]!.port} is tls: callers already speak TLS on it, so the sidecar cannot originate TLS there; remove "tls" or change the port's protocol`);
  }
  return {
    key: `${doc.name}.${namespace}`,
    name: doc.name,
    namespace,
    hosts: [...hosts].sort(compareText),
    ports: doc.ports.map((p) => ({ port: p.port, protocol: p.protocol, targetPort: p.targetPort ?? p.port })).sort((a, b) => a.port - b.port),
    resolution,
    addresses: [...(doc.addresses ?? [])].sort(compareText),
    ...(doc.tls && { tls: { ...(doc.tls.sni !== undefined && { sni: doc.tls.sni }), caFile: doc.tls.caFile ?? DEFAULT_CA_FILE } }),
    source: at(r.pd, ''),
  };
}

function checkResolution(doc: ExternalDoc, resolution: 'dns' | 'static', r: DocReporter): void {
  if (resolution === 'static' && !doc.addresses) {
    r.error(PolicyCodes.externalAddresses.code, 'resolution', 'resolution static needs "addresses": the sidecar connects to them');
  }
  if (resolution === 'dns' && doc.addresses) {
    r.error(PolicyCodes.externalAddresses.code, 'addresses', `"addresses" is only read with resolution static; under dns the sidecar resolves ${doc.hosts[0]} itself`);
  }
  if (resolution === 'static') return;
  doc.ports.forEach((p, i) => {
    if (p.protocol !== 'tcp') return;
    r.error(PolicyCodes.externalTcpNeedsStatic.code, `ports[${i}].protocol`,
      `tcp port ${p.port} needs resolution static with addresses: a sidecar tells plain TCP destinations apart only by the address dialled; use protocol tls if the service speaks TLS (routed by SNI)`);
  });
}
