/**
 * One translation golden case: a directory testdata/golden/<case>/ with
 *
 * - `policy/`        real policy files, loaded by `loadPolicyDir` (parse, schema, resolve),
 * - `registry.yaml`  a static registry file, parsed by the static source's parser and builder,
 * - `proxy.yaml`     the proxy's xDS node (`id`, `userAgentName`, `metadata`, `locality`) as it would send it;
 *                    weft's own `claimedIdentity` and `describeProxy` turn it into the proxy
 *                    description (identity from `namespace`/`service_account`, served services
 *                    derived from the registry and `instance_ips`, interception mode, ...),
 * - `expected/`      the goldens (`renderGoldens`).
 *
 * A policy or registry file that does not load throws: a golden case is a valid configuration;
 * rejection paths have their own tests. The policy's reference check against the registry
 * (`checkPolicyAgainstRegistry`) is recorded in meta.yaml instead: errors there model a registry
 * that changed after the policy was accepted (the server keeps that policy and translates it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Document, parse, visit } from 'yaml';
import { canonicalResource } from './golden-canonical.js';
import { messageNameOf, shortTypeName, type ResourceTypeUrl } from '../../proto/type-urls.js';
import { claimedIdentity, describeProxy } from '../../src/controlplane/proxies.js';
import { DEFAULT_CLUSTER_DOMAIN, RegistryFileParser, type ServiceRegistry } from '../../src/discovery/index.js';
import { EMPTY_REGISTRY, nextRegistry } from '../../src/discovery/registry-build.js';
import type { MeshModel, ProxyDescription } from '../../src/model/index.js';
import { checkPolicyAgainstRegistry, formatDiagnostic, loadPolicyDir, type Diagnostic } from '../../src/policy/index.js';
import type { TranslateResult } from '../../src/translate/index.js';
import type { NodeInfo } from '../../src/xds/index.js';

export interface GoldenCase {
  readonly model: MeshModel;
  readonly proxy: ProxyDescription;
  /** Node metadata `services` claims that describeProxy refused. */
  readonly refusedServices: readonly string[];
  /** Warnings from loading the policy. */
  readonly loadDiagnostics: readonly Diagnostic[];
  /** What checking the policy against the registry reported. */
  readonly registryCheck: readonly Diagnostic[];
}

const NODE_KEYS = new Set(['id', 'cluster', 'userAgentName', 'userAgentVersion', 'metadata', 'locality']);

export async function loadGoldenCase(dir: string): Promise<GoldenCase> {
  const loaded = await loadPolicyDir(path.join(dir, 'policy'));
  if (!loaded.ok) throw new Error(`${dir}: policy rejected:\n${loaded.diagnostics.map(formatDiagnostic).join('\n')}`);
  const policy = loaded.policy;
  const registry = loadRegistry(path.join(dir, 'registry.yaml'));
  const registryCheck = checkPolicyAgainstRegistry(policy, registry.services);
  const node = loadNode(path.join(dir, 'proxy.yaml'));
  const id = claimedIdentity(node, policy.mesh.trustDomain);
  if (typeof id === 'string') throw new Error(`${dir}/proxy.yaml: ${id}`);
  const { proxy, refusedServices } = describeProxy(node, id, registry);
  const model: MeshModel = { version: `${policy.version}/${registry.version}`, policy, registry };
  // loadPolicyDir names files by their full path; goldens must not depend on the checkout's place.
  const loadDiagnostics = loaded.diagnostics.map((d) => (d.source ? { ...d, source: { ...d.source, file: path.relative(dir, d.source.file) } } : d));
  return { model, proxy, refusedServices, loadDiagnostics, registryCheck };
}

/** The static source's steps for one file (parse, then build from the empty registry). */
function loadRegistry(file: string): ServiceRegistry {
  const parsed = new RegistryFileParser().parse(readFileSync(file, 'utf8'), path.basename(file));
  if (parsed.diagnostics.length > 0) throw new Error(`${file}: registry rejected:\n${parsed.diagnostics.map(formatDiagnostic).join('\n')}`);
  return nextRegistry(EMPTY_REGISTRY, parsed.drafts, DEFAULT_CLUSTER_DOMAIN)?.registry ?? EMPTY_REGISTRY;
}

function loadNode(file: string): NodeInfo {
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !NODE_KEYS.has(k));
  if (unknown.length > 0) throw new Error(`${file}: unknown keys ${unknown.join(', ')} (allowed: ${[...NODE_KEYS].join(', ')})`);
  if (typeof raw.id !== 'string' || typeof raw.userAgentName !== 'string') throw new Error(`${file}: id and userAgentName are required strings`);
  return {
    id: raw.id,
    cluster: typeof raw.cluster === 'string' ? raw.cluster : 'golden',
    userAgentName: raw.userAgentName,
    userAgentVersion: typeof raw.userAgentVersion === 'string' ? raw.userAgentVersion : '',
    metadata: (raw.metadata ?? {}) as Record<string, unknown>,
    ...(raw.locality ? { locality: raw.locality as NodeInfo['locality'] } : {}),
  };
}

/** Golden file per resource type; a type with no resources has no file. */
const fileOf: Readonly<Record<string, string>> = { CDS: 'clusters.yaml', EDS: 'endpoints.yaml', LDS: 'listeners.yaml', RDS: 'routes.yaml', SDS: 'secrets.yaml' };

/**
 * Plain strings a YAML 1.1 reader resolves to something else: its bool, null, int (binary, octal,
 * hex, sexagesimal), float and timestamp forms (yaml.org/type, 1.1). YAML 1.2 forms are quoted by
 * the printer already.
 */
const YAML11_NOT_STRING = new RegExp('^(?:' + [
  'y|n|yes|no|on|off|true|false', '~|null', '[-+]?0b[01_]+', '[-+]?0x[0-9a-f_]+', '[-+]?[0-9][0-9_]*',
  '[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?', '[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:e[-+][0-9]+)?',
  '[-+]?\\.inf|\\.nan', '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*',
].join('|') + ')$', 'i');

/**
 * Sorted-key YAML, no line folding: the one text form of every golden. Strings that a YAML 1.1
 * parser (PyYAML, yaml-cpp, Go's yaml.v2) would read as something else (`yes`, `on`, `1:30`) are
 * quoted too, so every common reader gets the value we wrote.
 */
export function sortedYaml(value: unknown): string {
  const doc = new Document(value, { sortMapEntries: true });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && YAML11_NOT_STRING.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/**
 * The goldens of one translation: per resource type, resource name → the message as canonical
 * proto3 JSON of what goes on the wire (`canonicalResource`), and
 * `meta.yaml` with the proxy description, the secrets to attach, translate's diagnostics, the
 * load warnings, the registry check and refused service claims.
 */
export function renderGoldens(c: GoldenCase, result: TranslateResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const [typeUrl, list] of result.resources) {
    if (list.length === 0) continue;
    const byName: Record<string, unknown> = {};
    for (const r of list) byName[r.name] = canonicalResource(messageNameOf(typeUrl), r.message);
    out.set(fileOf[shortTypeName[typeUrl as ResourceTypeUrl]] as string, sortedYaml(byName));
  }
  const meta = {
    proxy: { ...c.proxy },
    secrets: result.secrets,
    diagnostics: result.diagnostics,
    loadDiagnostics: c.loadDiagnostics,
    registryCheck: c.registryCheck,
    refusedServices: c.refusedServices,
  };
  out.set('meta.yaml', sortedYaml(JSON.parse(JSON.stringify(meta))));
  return out;
}
