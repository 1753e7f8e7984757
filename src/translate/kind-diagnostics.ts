/**
 * Warnings about policy that a proxy kind (WEFT4104/WEFT4107) cannot carry out as written. (Identity
 * rules under permissive or disabled mTLS are warned about once, at validation: WEFT2012.) The translation still proceeds with the documented fallback; the
 * operator learns about it.
 */
import type { Diagnostic } from '../model/index.js';
import type { ProxyIr } from './ir.js';
import { TranslateCodes } from './codes.js';
import { chainMtls } from './mtls-modes.js';

export function kindDiagnostics(ir: ProxyIr): Diagnostic[] {
  if (ir.proxy.kind !== 'grpc') return [];
  const out: Diagnostic[] = [];
  const warned = new Set<string>();
  for (const c of ir.clusters) {
    if ((c.lb === 'least-request' || c.lb === 'random') && !warned.has(c.service)) {
      warned.add(c.service);
      out.push(warn(TranslateCodes.unsupportedByKind.code, `gRPC clients support only round-robin and ring-hash; ${c.service} uses round-robin`, 'loadBalancer', c.source));
    }
  }
  const http = ir.inbound.chains.filter((c) => c.protocol !== 'tcp');
  const permissive = http.filter((c) => chainMtls(ir.inbound, c) === 'permissive');
  if (permissive.length) {
    const ports = ir.inbound.mtls === 'permissive' && permissive.length === http.length ? '' : ` (${permissive.map((c) => c.name).join(', ')})`;
    out.push(warn(TranslateCodes.unsupportedByKind.code, `gRPC servers cannot accept TLS and plaintext on one port; mtls permissive is served as strict${ports}`, 'mtls'));
  }
  const audited = new Set<string>();
  for (const c of http.filter((h) => h.authz.audit?.length)) {
    if (audited.has(c.service)) continue;
    audited.add(c.service);
    out.push(warn(TranslateCodes.unsupportedByKind.code, `gRPC servers have no RBAC shadow rules; the audit rules of ${c.service} are neither counted nor logged (audit refuses nothing either way)`, 'rules', c.authz.audit![0]!.source));
  }
  out.push(...rateLimitWarnings(http));
  if (http.length && !ir.proxy.serverListenerTemplate) {
    out.push(warn(TranslateCodes.noServerTemplate.code, `gRPC proxy ${ir.proxy.id} serves services but has no server_listener_resource_name_template`, 'proxy.serverListenerTemplate'));
  }
  return out;
}

function warn(code: string, message: string, path: string, source?: Diagnostic['source']): Diagnostic {
  return { code, severity: 'warning', message, path, ...(source ? { source } : {}) };
}

/**
 * gRPC servers (grpc-js-xds, grpc-go) have no local rate limit filter. The limits are ignored and
 * calls served, not refused: a rate limit guards capacity, not access (the service's RBAC still
 * applies), and refusing every call would turn a capacity guard into an outage.
 */
function rateLimitWarnings(http: readonly ProxyIr['inbound']['chains'][number][]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const c of http) {
    const kinds = [c.rateLimit && 'the shared bucket', c.callerLimits && 'callers\' buckets', c.routeLimits && 'routes\' buckets'].filter((k): k is string => !!k);
    if (!kinds.length || seen.has(c.service)) continue;
    seen.add(c.service);
    out.push(warn(TranslateCodes.unsupportedByKind.code, `gRPC servers have no local rate limit filter; the rate limits of ${c.service} (${kinds.join(', ')}) are ignored and its calls served`, c.routeLimits && !c.rateLimit && !c.callerLimits ? 'routes' : 'rateLimit', c.callerLimits?.[0]?.source ?? c.routeLimits?.find((r) => r.bucket)?.source));
  }
  return out;
}
