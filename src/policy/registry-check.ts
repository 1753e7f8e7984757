/**
 * Checks a resolved policy against the services a registry knows. Kept apart from loading because
 * the registry changes independently of policy: the control plane reports these as warnings while
 * a service is briefly absent, while `weft validate` with a registry treats them as errors.
 *
 * Takes a structural view of the registry so that policy never imports discovery.
 */
import type { Diagnostic, SourceRef } from './diagnostics.js';
import { PolicyCodes } from './codes.js';
import type { AccessPolicy, PolicySet, RoutePolicy } from './types.js';

/** What this check needs to know of a registered service. */
export interface RegistryServiceView {
  readonly ports: readonly { readonly port: number; readonly protocol?: string }[];
  /** Endpoint localities, for the locality check (absent: not checked). */
  readonly endpoints?: readonly { readonly region?: string; readonly zone?: string }[];
}

/**
 * Unknown services (WEFT2006) and ports (WEFT2007) referenced by policies, positioned at the
 * referencing policy, route or rule; custom (ext_authz) rules on TCP ports (WEFT2093) and extAuthz
 * providers on a port that is not HTTP (WEFT2092). Pure; errors by default, `severity` lets
 * callers soften them.
 */
export function checkPolicyAgainstRegistry(
  policy: PolicySet,
  services: ReadonlyMap<string, RegistryServiceView>,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ref = (service: string, path: string, source: SourceRef | undefined, port?: number): void => {
    const known = services.get(service);
    if (!known) {
      out.push({ code: PolicyCodes.unknownService.code, severity, path, source, message: `service ${service} is not in the registry` });
    } else if (port !== undefined && !known.ports.some((p) => p.port === port)) {
      const ports = known.ports.map((p) => p.port).join(', ');
      out.push({ code: PolicyCodes.unknownPort.code, severity, path, source, message: `service ${service} has no port ${port} (ports: ${ports})` });
    }
  };
  for (const tp of policy.traffic.values()) {
    ref(tp.service, 'service', tp.source);
    tp.routes.forEach((route, i) => checkRoute(route, `routes[${i}]`, ref));
  }
  // A route attached to several listeners or hostnames is one object: checked once.
  const ingress = new Set((policy.gateways ? [...policy.gateways.values()] : []).flatMap((g) => g.listeners.flatMap((l) => l.hosts.flatMap((h) => h.routes))));
  for (const route of ingress) checkRoute(route, 'spec.rules', ref);
  const external = policy.external ?? new Map();
  for (const ext of external.values()) {
    if (services.has(ext.key)) out.push({ code: PolicyCodes.externalShadowsService.code, severity, path: 'name', source: ext.source, message: `ExternalService ${ext.key} has the name of a registry service; rename it` });
  }
  for (const list of policy.access.values()) {
    for (const ap of list) {
      if (external.has(ap.service)) continue;
      ref(ap.service, 'service', ap.source);
      ap.rules.forEach((rule, i) => rule.to?.ports?.forEach((p, j) => ref(ap.service, `rules[${i}].to.ports[${j}]`, rule.source, p)));
      if (ap.action === 'custom') out.push(...customOnTcp(ap, services.get(ap.service), severity));
    }
  }
  for (const p of policy.mesh.extAuthz?.values() ?? []) {
    if (external.has(p.service)) continue;
    const path = `extAuthz.${p.name}`;
    ref(p.service, path, p.source, p.port);
    const protocol = services.get(p.service)?.ports.find((x) => x.port === p.port)?.protocol;
    const fits = p.protocol === 'grpc' ? ['grpc', 'http2'] : ['http', 'http2', 'grpc'];
    if (protocol !== undefined && !fits.includes(protocol)) {
      out.push({ code: PolicyCodes.extAuthzService.code, severity, path, source: p.source, message: `port ${p.port} of ${p.service} is ${protocol}; a ${p.protocol} authorizer needs ${fits.join(', ')}` });
    }
  }
  for (const mp of policy.mtls?.services.values() ?? []) {
    ref(mp.service!, 'service', mp.source);
    for (const port of mp.ports.keys()) if (services.has(mp.service!)) ref(mp.service!, `ports.${port}`, mp.source, port);
  }
  out.push(...meshLocalityWithoutOutlier(policy, services));
  return out;
}

/**
 * WEFT2083 for the services a Mesh `locality` block applies to that have no TrafficPolicy, so no
 * outlier detection, and endpoints in more than one locality (the resolver warns at the
 * TrafficPolicies; these it cannot see). Always a warning, one at the Mesh block.
 */
function meshLocalityWithoutOutlier(policy: PolicySet, services: ReadonlyMap<string, RegistryServiceView>): Diagnostic[] {
  const block = policy.mesh.locality;
  if (!block?.enabled) return [];
  const keys = [...services].filter(([key, s]) => !policy.traffic.has(key) && new Set((s.endpoints ?? []).map((e) => `${e.region ?? ''}/${e.zone ?? ''}`)).size > 1).map(([key]) => key);
  if (keys.length === 0) return [];
  const named = keys.slice(0, 5).join(', ') + (keys.length > 5 ? ` and ${keys.length - 5} more` : '');
  return [{ code: PolicyCodes.localityWithoutOutlier.code, severity: 'warning', path: 'locality', source: block.source,
    message: `${keys.length} service(s) in several localities follow this block without a TrafficPolicy, so without outlierDetection: ${named}; their callers leave a zone only when the registry marks its endpoints unhealthy` }];
}

type RefCheck = (service: string, path: string, source: SourceRef | undefined, port?: number) => void;

function checkRoute(route: RoutePolicy, path: string, ref: RefCheck): void {
  route.backends?.forEach((b, j) => ref(b.service, `${path}.backends[${j}]`, route.source, b.port));
  if (route.mirror) ref(route.mirror.service, `${path}.mirror`, route.source);
}

const STREAM_PROTOCOLS = ['tcp', 'tls'];

/** A custom rule applies to the ports it names, or to every port of the service. */
function customOnTcp(ap: AccessPolicy, known: RegistryServiceView | undefined, severity: Diagnostic['severity']): Diagnostic[] {
  if (!known) return [];
  const out: Diagnostic[] = [];
  ap.rules.forEach((rule, i) => {
    const ports = rule.to?.ports ?? known.ports.map((p) => p.port);
    for (const port of ports) {
      const protocol = known.ports.find((p) => p.port === port)?.protocol;
      if (protocol === undefined || !STREAM_PROTOCOLS.includes(protocol)) continue;
      const path = rule.to?.ports ? `rules[${i}].to.ports[${rule.to.ports.indexOf(port)}]` : `rules[${i}]`;
      const how = rule.to?.ports ? '' : '; restrict the rule to its HTTP ports with to.ports';
      out.push({ code: PolicyCodes.customOnTcp.code, severity, path, source: rule.source ?? ap.source, message: `custom rule of ${ap.service} applies to ${protocol} port ${port}, which carries no HTTP requests to authorize${how}` });
    }
  });
  return out;
}
