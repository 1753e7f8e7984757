/**
 * Validation of `services[i].endpoints`: addresses, per-endpoint ports, labels, region, zone, health,
 * and duplicate detection (same address serving the same effective ports).
 */
import { isIP } from 'node:net';
import { isScalar, isSeq, type RNode, type RPair } from './static-nodes.js';
import { RegistryCodes } from './codes.js';
import { ENDPOINT_KEYS, HEALTH, enumField, fields, join, portNumber, report, requireMap, stringField, type ValidationContext } from './static-validate.js';
import { quote } from '../policy/index.js';
import { hasControl, labelKeyProblem, labelValueProblem } from './static-names.js';
import type { Endpoint, ServicePort } from './types.js';

/** Endpoint labels: string keys and scalar values, both in Kubernetes label syntax. */
function labelMap(ctx: ValidationContext, node: RNode | null | undefined, path: string): Record<string, string> | undefined {
  const map = requireMap(ctx, node, path);
  if (!map) return undefined;
  const out: Record<string, string> = {};
  let ok = true;
  for (const pair of map.items as RPair[]) {
    const k = isScalar(pair.key) ? pair.key.value : undefined;
    const v = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof k !== 'string' || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')) {
      report(ctx, RegistryCodes.wrongType.code, pair.value ?? pair.key, join(path, String(k)), 'expected a string value');
      ok = false;
    } else if (labelProblem(ctx, pair, join(path, k), k, String(v))) ok = false;
    else out[k] = String(v);
  }
  return ok ? out : undefined;
}

/** Reports a label key or value outside Kubernetes label syntax; true when it did. */
function labelProblem(ctx: ValidationContext, pair: RPair, path: string, key: string, value: string): boolean {
  const keyProblem = labelKeyProblem(key);
  if (keyProblem) report(ctx, RegistryCodes.invalidLabel.code, pair.key, path, `label key ${quote(key)} ${keyProblem}`);
  const valueProblem = keyProblem ? undefined : labelValueProblem(value);
  if (valueProblem) report(ctx, RegistryCodes.invalidLabel.code, pair.value, path, `label value ${quote(value)} ${valueProblem}`);
  return keyProblem !== undefined || valueProblem !== undefined;
}

/** A free-text endpoint field (`region`, `zone`, `instance`): any string without control characters. */
function textField(ctx: ValidationContext, f: Map<string, RPair>, key: string, path: string, owner: RNode): string | undefined {
  const v = stringField(ctx, f, key, path, owner);
  if (v === undefined || !hasControl(v)) return v;
  report(ctx, RegistryCodes.invalidValue.code, f.get(key)?.value, join(path, key), `${key} ${quote(v)} holds control characters`);
  return undefined;
}

function endpointPorts(ctx: ValidationContext, node: RNode | null | undefined, path: string, declared: readonly ServicePort[]): Record<string, number> | undefined {
  const map = requireMap(ctx, node, path);
  if (!map) return undefined;
  const before = ctx.diagnostics.length;
  const f = fields(ctx, map, declared.map((p) => p.name), path);
  const out: Record<string, number> = {};
  for (const [name, pair] of f) {
    const n = portNumber(ctx, pair.value, join(path, name));
    if (n !== undefined) out[name] = n;
  }
  // fields() reports unknown names as unknown fields; re-code them as unknown port names.
  for (const d of ctx.diagnostics.slice(before)) {
    if (d.code === RegistryCodes.unknownField.code) {
      Object.assign(d, { code: RegistryCodes.unknownPortName.code, message: `${d.message.replace('unknown field', 'unknown port name')}` });
    }
  }
  return out;
}

function address(ctx: ValidationContext, f: Map<string, RPair>, path: string, owner: RNode): string | undefined {
  const pair = f.get('address');
  if (!pair) {
    report(ctx, RegistryCodes.missingField.code, owner, join(path, 'address'), 'missing required field "address"');
    return undefined;
  }
  const v = isScalar(pair.value) ? pair.value.value : undefined;
  if (typeof v === 'string' && isIP(v) !== 0) return v;
  report(ctx, RegistryCodes.invalidAddress.code, pair.value, join(path, 'address'), `${quote(v)} is not an IPv4 or IPv6 address`);
  return undefined;
}

function validateEndpoint(ctx: ValidationContext, node: RNode, path: string, declared: readonly ServicePort[]): Endpoint | undefined {
  const map = requireMap(ctx, node, path);
  if (!map) return undefined;
  const before = ctx.diagnostics.length;
  const f = fields(ctx, map, ENDPOINT_KEYS, path);
  const addr = address(ctx, f, path, map);
  const ports = f.has('ports') ? endpointPorts(ctx, f.get('ports')?.value, join(path, 'ports'), declared) : undefined;
  const labels = f.has('labels') ? labelMap(ctx, f.get('labels')?.value, join(path, 'labels')) : {};
  const region = textField(ctx, f, 'region', path, map);
  const zone = textField(ctx, f, 'zone', path, map);
  const instance = textField(ctx, f, 'instance', path, map);
  const health = enumField(ctx, f, 'health', path, HEALTH, 'healthy');
  if (ctx.diagnostics.length !== before || !addr || !labels || !health) return undefined;
  const ep: { -readonly [K in keyof Endpoint]: Endpoint[K] } = { address: addr, labels, health };
  if (ports) ep.ports = ports;
  if (region !== undefined) ep.region = region;
  if (zone !== undefined) ep.zone = zone;
  if (instance !== undefined) ep.instance = instance;
  return ep;
}

/** The ports an endpoint actually serves: its own override, else each service port's targetPort. */
function effectiveKey(ep: Endpoint, declared: readonly ServicePort[]): string {
  return `${ep.address}|${declared.map((p) => ep.ports?.[p.name] ?? p.targetPort).join(',')}`;
}

/** Validates the endpoint list (absent means none); `undefined` when any endpoint is invalid. */
export function validateEndpoints(ctx: ValidationContext, pair: RPair | undefined, path: string, declared: readonly ServicePort[]): Endpoint[] | undefined {
  if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return [];
  if (!isSeq(pair.value)) {
    report(ctx, RegistryCodes.wrongType.code, pair.value, join(path, 'endpoints'), 'expected a list of endpoints');
    return undefined;
  }
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  pair.value.items.forEach((item, i) => {
    const p = `${path}.endpoints[${i}]`;
    const ep = validateEndpoint(ctx, item as RNode, p, declared);
    if (!ep) return;
    const key = effectiveKey(ep, declared);
    if (seen.has(key)) report(ctx, RegistryCodes.duplicateEndpoint.code, item as RNode, p, `duplicate endpoint ${ep.address} serving the same ports as an earlier one`);
    else out.push(ep);
    seen.add(key);
  });
  return out.length === pair.value.items.length ? out : undefined;
}


/**
 * `addresses`: the service's own addresses (VIPs), a list of unique IPv4/IPv6 literals (absent
 * means none). Bad entries are WEFT3009 at the entry; a repeat is WEFT3009 too.
 */
export function validateServiceAddresses(ctx: ValidationContext, pair: RPair | undefined, path: string): string[] | undefined {
  if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return [];
  if (!isSeq(pair.value)) {
    report(ctx, RegistryCodes.wrongType.code, pair.value, join(path, 'addresses'), 'expected a list of IP addresses');
    return undefined;
  }
  const out: string[] = [];
  pair.value.items.forEach((item, i) => {
    const v = isScalar(item) ? item.value : undefined;
    const at = `${path}.addresses[${i}]`;
    if (typeof v !== 'string' || isIP(v) === 0) report(ctx, RegistryCodes.invalidAddress.code, item, at, `${quote(v)} is not an IPv4 or IPv6 address`);
    else if (out.includes(v)) report(ctx, RegistryCodes.invalidAddress.code, item, at, `duplicate service address ${v}`);
    else out.push(v);
  });
  return out.length === pair.value.items.length ? out : undefined;
}
