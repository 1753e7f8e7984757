/**
 * Warnings about policy that a proxy kind (WEFT4104/WEFT4107) or the mesh's mTLS mode (WEFT4111)
 * cannot carry out as written. The translation still proceeds with the documented fallback; the
 * operator learns about it.
 */
import type { Diagnostic } from '../model/index.js';
import type { IrAccessRule, ProxyIr } from './ir.js';

export function kindDiagnostics(ir: ProxyIr): Diagnostic[] {
  if (ir.proxy.kind !== 'grpc') return [];
  const out: Diagnostic[] = [];
  const warned = new Set<string>();
  for (const c of ir.clusters) {
    if ((c.lb === 'least-request' || c.lb === 'random') && !warned.has(c.service)) {
      warned.add(c.service);
      out.push(warn('WEFT4104', `gRPC clients support only round-robin and ring-hash; ${c.service} uses round-robin`, 'loadBalancer', c.source));
    }
  }
  const http = ir.inbound.chains.filter((c) => c.protocol !== 'tcp');
  if (http.length && ir.inbound.mtls === 'permissive') {
    out.push(warn('WEFT4104', 'gRPC servers cannot accept TLS and plaintext on one port; mtls permissive is served as strict', 'mtls'));
  }
  if (http.some((c) => c.rateLimit)) out.push(warn('WEFT4104', 'gRPC servers have no local rate limit filter; rateLimit ignored', 'rateLimit'));
  if (http.length && !ir.proxy.serverListenerTemplate) {
    out.push(warn('WEFT4107', `gRPC proxy ${ir.proxy.id} serves services but has no server_listener_resource_name_template`, 'proxy.serverListenerTemplate'));
  }
  return out;
}

/**
 * Identity rules where some callers have no identity: under `permissive` an Envoy sidecar also
 * accepts plaintext callers, which an identity-based deny rule cannot single out and an
 * identity-based allow rule never admits; under `disabled` nobody has an identity at all.
 * (gRPC servers serve `permissive` as strict, so only `disabled` applies to them.)
 */
export function identityDiagnostics(ir: ProxyIr): Diagnostic[] {
  const mtls = ir.inbound.mtls;
  if (mtls === 'strict' || (mtls === 'permissive' && ir.proxy.kind === 'grpc')) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const c of ir.inbound.chains) {
    for (const [action, rules] of [['deny', c.authz.deny], ['allow', c.authz.allow ?? []]] as const) {
      for (const r of rules) {
        if (seen.has(r.name) || !r.principals.some((p) => !('any' in p))) continue;
        seen.add(r.name);
        out.push(warn('WEFT4111', identityMessage(r, action, mtls), 'rules.from', r.source));
      }
    }
  }
  return out;
}

function identityMessage(r: IrAccessRule, action: 'deny' | 'allow', mtls: 'permissive' | 'disabled'): string {
  if (mtls === 'disabled') return `${action} rule ${r.name} names callers by identity, but with mtls disabled no caller has one: it ${action === 'deny' ? 'never matches' : 'admits nobody'}`;
  return action === 'deny'
    ? `deny rule ${r.name} names callers by identity; plaintext callers (mtls permissive) have none and are not denied by it`
    : `allow rule ${r.name} admits only callers with an identity; plaintext callers (mtls permissive) are never admitted by it`;
}

function warn(code: string, message: string, path: string, source?: Diagnostic['source']): Diagnostic {
  return { code, severity: 'warning', message, path, ...(source ? { source } : {}) };
}
