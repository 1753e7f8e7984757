/**
 * Building immutable registry values and diffing them against the previous version.
 *
 * Every discovery source turns its input into `ServiceDraft`s and hands them to `nextRegistry`,
 * which owns the invariants of src/discovery/types.ts: deep freezing, deterministic endpoint order,
 * content-hash versions, and identity preservation for services whose content did not change.
 */
import { createHash } from 'node:crypto';
import type { Endpoint, RegistryChange, Service, ServicePort, ServiceRegistry } from './types.js';
import { byText } from '../common/index.js';

/** A service as a source describes it, before normalisation. Not retained after `nextRegistry`. */
export interface ServiceDraft {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Service VIPs, when the source has them. */
  readonly addresses?: readonly string[];
  readonly ports: readonly ServicePort[];
  readonly endpoints: readonly Endpoint[];
}

/** Content digest of each built service, so diffs never re-serialise old services. */
const fingerprints = new WeakMap<Service, string>();
/**
 * The service last built from each draft. Sources that reuse unchanged drafts by identity (the
 * static parser's chunk cache) thereby skip normalising and hashing unchanged services.
 */
const builtFrom = new WeakMap<ServiceDraft, Service>();
/** Collections that have finished construction and must no longer change. */
const sealedMaps = new WeakSet<object>();

/** A Map that rejects mutation once constructed: published registries are shared by reference. */
class SealedMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super(entries);
    sealedMaps.add(this);
  }
  override set(key: K, value: V): this {
    if (sealedMaps.has(this)) throw new TypeError('a published ServiceRegistry is immutable');
    return super.set(key, value);
  }
  override delete(): boolean {
    throw new TypeError('a published ServiceRegistry is immutable');
  }
  override clear(): void {
    throw new TypeError('a published ServiceRegistry is immutable');
  }
}

/** A Set that rejects mutation once constructed (`RegistryChange.changed` is shared too). */
class SealedSet<T> extends Set<T> {
  constructor(values: Iterable<T>) {
    super(values);
    sealedMaps.add(this);
  }
  override add(value: T): this {
    if (sealedMaps.has(this)) throw new TypeError('a published RegistryChange is immutable');
    return super.add(value);
  }
  override delete(): boolean {
    throw new TypeError('a published RegistryChange is immutable');
  }
  override clear(): void {
    throw new TypeError('a published RegistryChange is immutable');
  }
}

function sortedRecord<T>(rec: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k] as T;
  return Object.freeze(out);
}

function normaliseEndpoint(e: Endpoint): Endpoint {
  const out: { -readonly [K in keyof Endpoint]: Endpoint[K] } = { address: e.address, labels: sortedRecord(e.labels), health: e.health };
  if (e.ports && Object.keys(e.ports).length > 0) out.ports = sortedRecord(e.ports);
  if (e.region !== undefined) out.region = e.region;
  if (e.zone !== undefined) out.zone = e.zone;
  if (e.serviceAccount !== undefined) out.serviceAccount = e.serviceAccount;
  if (e.instance !== undefined) out.instance = e.instance;
  return Object.freeze(out);
}

/** Sort key for endpoints: address, then the (sorted) port assignments. */
function endpointOrder(e: Endpoint): string {
  return `${e.address}\u0000${e.ports ? JSON.stringify(e.ports) : ''}`;
}

/** Sorts by precomputed keys: building the key inside the comparator would cost O(n log n) strings. */
function sortEndpoints(endpoints: readonly Endpoint[]): Endpoint[] {
  const keyed = endpoints.map((e) => [endpointOrder(e), e] as const);
  keyed.sort(byText((k) => k[0]));
  return keyed.map((k) => k[1]);
}

/** Normalises and deep-freezes one draft; the result has no references into the draft. */
export function buildService(draft: ServiceDraft, clusterDomain: string): Service {
  const ports = draft.ports.map((p) => Object.freeze({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol }));
  const endpoints = sortEndpoints(draft.endpoints.map(normaliseEndpoint));
  return Object.freeze({
    key: `${draft.name}.${draft.namespace}`,
    name: draft.name,
    namespace: draft.namespace,
    hostname: `${draft.name}.${draft.namespace}.svc.${clusterDomain}`,
    serviceAccount: draft.serviceAccount,
    ...(draft.addresses && draft.addresses.length > 0 ? { addresses: Object.freeze([...draft.addresses]) } : {}),
    ports: Object.freeze(ports),
    endpoints: Object.freeze(endpoints),
  });
}

function fingerprintOf(service: Service): string {
  let fp = fingerprints.get(service);
  if (fp === undefined) {
    fp = createHash('sha256').update(JSON.stringify(service)).digest('base64');
    fingerprints.set(service, fp);
  }
  return fp;
}

function buildCached(draft: ServiceDraft, clusterDomain: string): Service {
  const cached = builtFrom.get(draft);
  if (cached && cached.hostname.endsWith(`.svc.${clusterDomain}`)) return cached;
  const svc = buildService(draft, clusterDomain);
  builtFrom.set(draft, svc);
  return svc;
}

/** The empty registry every source reports before its first successful load. */
export const EMPTY_REGISTRY: ServiceRegistry = Object.freeze({
  version: createHash('sha256').update('').digest('hex').slice(0, 16),
  services: new SealedMap<string, Service>([]),
});

/**
 * Computes the next registry from drafts. Services whose content equals the previous version's
 * are reused by identity; `changed` lists exactly the keys added, removed or changed. Returns
 * `undefined` when nothing changed at all (sources then publish nothing).
 * Duplicate keys in `drafts` are the caller's error: the last one wins.
 */
export function nextRegistry(prev: ServiceRegistry, drafts: readonly ServiceDraft[], clusterDomain: string): RegistryChange | undefined {
  const built = new Map<string, Service>();
  for (const d of drafts) {
    const svc = buildCached(d, clusterDomain);
    built.set(svc.key, svc);
  }
  const changed = new Set<string>();
  const hash = createHash('sha256');
  const entries: [string, Service][] = [];
  for (const key of [...built.keys()].sort()) {
    let svc = built.get(key) as Service;
    const old = prev.services.get(key);
    if (old && fingerprintOf(old) === fingerprintOf(svc)) svc = old;
    else changed.add(key);
    hash.update(key).update('\u0000').update(fingerprintOf(svc)).update('\u0000');
    entries.push([key, svc]);
  }
  for (const key of prev.services.keys()) if (!built.has(key)) changed.add(key);
  if (changed.size === 0) return undefined;
  const registry: ServiceRegistry = Object.freeze({ version: hash.digest('hex').slice(0, 16), services: new SealedMap(entries) });
  return Object.freeze({ registry, changed: new SealedSet([...changed].sort()) });
}
