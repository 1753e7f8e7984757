/**
 * Validation of one `services[i]` item of a registry file, on `yaml` nodes so that every
 * diagnostic carries file:line:col. Pure: no I/O; the caller supplies position mapping.
 */
import { isMap, isScalar, isSeq, type RMap, type RNode, type RPair } from './static-nodes.js';
import { escapeControl, quote, type Diagnostic } from '../policy/index.js';
import { RegistryCodes } from './codes.js';
import type { ServiceDraft } from './registry-build.js';
import { validateEndpoints, validateServiceAddresses } from './static-endpoints.js';
import { dnsSubdomainProblem } from './static-names.js';
import type { EndpointHealth, Protocol, ServicePort } from './types.js';

/** Maps a node offset to a file position; collects diagnostics. One per parse. */
export interface ValidationContext {
  readonly file: string;
  position(offset: number): { line: number; col: number };
  readonly diagnostics: Diagnostic[];
}

export const SERVICE_KEYS = ['name', 'namespace', 'serviceAccount', 'addresses', 'ports', 'endpoints'] as const;
export const PORT_KEYS = ['name', 'port', 'targetPort', 'protocol'] as const;
export const ENDPOINT_KEYS = ['address', 'ports', 'labels', 'region', 'zone', 'health', 'instance'] as const;
const PROTOCOLS: readonly Protocol[] = ['http', 'http2', 'grpc', 'tcp', 'tls'];
export const HEALTH: readonly EndpointHealth[] = ['healthy', 'unhealthy', 'draining'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function report(ctx: ValidationContext, code: string, node: RNode | null | undefined, path: string, message: string): void {
  const pos = ctx.position(node?.start ?? 0);
  ctx.diagnostics.push({ code, severity: 'error', message: escapeControl(message), path: escapeControl(path), source: { file: ctx.file, line: pos.line, col: pos.col } });
}

/** Returns the map's pairs keyed by string, reporting unknown or non-string keys. */
export function fields(ctx: ValidationContext, map: RMap, allowed: readonly string[], path: string): Map<string, RPair> {
  const out = new Map<string, RPair>();
  for (const pair of map.items as RPair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !allowed.includes(key)) {
      const shown = key ?? `<${pair.key.kind} key>`;
      report(ctx, RegistryCodes.unknownField.code, pair.key, join(path, shown), `unknown field ${quote(shown)} (allowed: ${allowed.join(', ')})`);
    } else out.set(key, pair);
  }
  return out;
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function requireMap(ctx: ValidationContext, node: RNode | null | undefined, path: string): RMap | undefined {
  if (isMap(node)) return node;
  report(ctx, RegistryCodes.wrongType.code, node, path, 'expected a map');
  return undefined;
}

export function stringField(ctx: ValidationContext, f: Map<string, RPair>, key: string, path: string, owner: RNode): string | undefined {
  const pair = f.get(key);
  if (!pair) return undefined;
  if (isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value !== '') return pair.value.value;
  report(ctx, RegistryCodes.wrongType.code, pair.value ?? owner, join(path, key), 'expected a non-empty string');
  return undefined;
}

export function portNumber(ctx: ValidationContext, node: RNode | null | undefined, path: string): number | undefined {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    report(ctx, RegistryCodes.wrongType.code, node, path, 'expected an integer port number');
    return undefined;
  }
  if (v < 1 || v > 65535) {
    report(ctx, RegistryCodes.portOutOfRange.code, node, path, `port ${v} is out of range 1-65535`);
    return undefined;
  }
  return v;
}

export function enumField<T extends string>(ctx: ValidationContext, f: Map<string, RPair>, key: string, path: string, allowed: readonly T[], dflt: T): T | undefined {
  const pair = f.get(key);
  if (!pair) return dflt;
  const v = isScalar(pair.value) ? pair.value.value : undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  report(ctx, RegistryCodes.invalidValue.code, pair.value, join(path, key), `expected one of ${allowed.join(', ')}`);
  return undefined;
}

function dnsName(ctx: ValidationContext, f: Map<string, RPair>, key: string, path: string, owner: RNode, required: boolean): string | undefined {
  const v = stringField(ctx, f, key, path, owner);
  if (v === undefined) {
    if (required && !f.has(key)) report(ctx, RegistryCodes.missingField.code, owner, join(path, key), `missing required field "${key}"`);
    return undefined;
  }
  if (DNS_LABEL.test(v)) return v;
  report(ctx, RegistryCodes.invalidValue.code, f.get(key)?.value, join(path, key), `${quote(v)} is not a DNS label (lower-case letters, digits, '-', at most 63)`);
  return undefined;
}

function validatePort(ctx: ValidationContext, node: RNode, path: string): ServicePort | undefined {
  const map = requireMap(ctx, node, path);
  if (!map) return undefined;
  const f = fields(ctx, map, PORT_KEYS, path);
  const name = dnsName(ctx, f, 'name', path, map, true);
  const portPair = f.get('port');
  if (!portPair) report(ctx, RegistryCodes.missingField.code, map, join(path, 'port'), 'missing required field "port"');
  const port = portPair ? portNumber(ctx, portPair.value, join(path, 'port')) : undefined;
  const tp = f.get('targetPort');
  const targetPort = tp ? portNumber(ctx, tp.value, join(path, 'targetPort')) : port;
  const protocol = enumField(ctx, f, 'protocol', path, PROTOCOLS, 'tcp');
  if (name === undefined || port === undefined || targetPort === undefined || protocol === undefined) return undefined;
  return { name, port, targetPort, protocol };
}

function validatePorts(ctx: ValidationContext, pair: RPair | undefined, path: string, owner: RNode): ServicePort[] | undefined {
  if (!pair) {
    report(ctx, RegistryCodes.missingField.code, owner, join(path, 'ports'), 'missing required field "ports"');
    return undefined;
  }
  const seq = pair.value;
  if (!isSeq(seq) || seq.items.length === 0) {
    report(ctx, RegistryCodes.wrongType.code, seq ?? pair.key, join(path, 'ports'), 'expected a non-empty list of ports');
    return undefined;
  }
  const out: ServicePort[] = [];
  const names = new Set<string>();
  const numbers = new Set<number>();
  seq.items.forEach((item, i) => {
    const p = validatePort(ctx, item as RNode, `${path}.ports[${i}]`);
    if (!p) return;
    if (names.has(p.name) || numbers.has(p.port)) {
      const what = names.has(p.name) ? `name "${p.name}"` : `number ${p.port}`;
      report(ctx, RegistryCodes.duplicatePort.code, item as RNode, `${path}.ports[${i}]`, `duplicate port ${what}`);
      return;
    }
    names.add(p.name);
    numbers.add(p.port);
    out.push(p);
  });
  return out.length === seq.items.length ? out : undefined;
}

/** `serviceAccount`: a Kubernetes service account name (DNS-1123 subdomain); it becomes part of a SPIFFE ID. */
function serviceAccountField(ctx: ValidationContext, f: Map<string, RPair>, path: string, owner: RNode): string | undefined {
  const v = stringField(ctx, f, 'serviceAccount', path, owner);
  const problem = v === undefined ? undefined : dnsSubdomainProblem(v);
  if (problem === undefined) return v;
  report(ctx, RegistryCodes.invalidValue.code, f.get('serviceAccount')?.value, join(path, 'serviceAccount'), `service account ${quote(v)} ${problem}`);
  return undefined;
}

/** Validates one service item; returns a draft only when the item is free of errors. */
export function validateService(ctx: ValidationContext, node: RNode | null, path: string): ServiceDraft | undefined {
  const map = requireMap(ctx, node, path);
  if (!map) return undefined;
  const before = ctx.diagnostics.length;
  const f = fields(ctx, map, SERVICE_KEYS, path);
  const name = dnsName(ctx, f, 'name', path, map, true);
  const namespace = f.has('namespace') ? dnsName(ctx, f, 'namespace', path, map, true) : 'default';
  const serviceAccount = f.has('serviceAccount') ? serviceAccountField(ctx, f, path, map) : name;
  const ports = validatePorts(ctx, f.get('ports'), path, map);
  const addresses = validateServiceAddresses(ctx, f.get('addresses'), path);
  const endpoints = ports ? validateEndpoints(ctx, f.get('endpoints'), path, ports) : undefined;
  if (ctx.diagnostics.length !== before || !name || !namespace || !serviceAccount || !ports || !endpoints || !addresses) return undefined;
  return { name, namespace, serviceAccount, ports, endpoints, ...(addresses.length > 0 ? { addresses } : {}) };
}
