/**
 * Every Envoy golden is a configuration a real Envoy accepts: each case's expected clusters and
 * listeners (route configurations inlined where listeners name them over RDS) go into a bootstrap
 * that `envoy --mode validate` must load. The goldens are proto3 JSON, which is what Envoy's own
 * config loader reads, so this also checks the canonical form. Without an Envoy binary
 * (`ENVOY_BIN`, `envoy` on PATH or the .cache/envoy virtualenv) the cases are skipped by name.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { findEnvoy } from '../../scripts/mesh/envoy-bin.js';

type Obj = Record<string, unknown>;

const root = path.resolve(import.meta.dirname, '../../testdata/golden');
const envoy = findEnvoy();
const run = promisify(execFile);
const dir = envoy ? mkdtempSync(path.join(tmpdir(), 'weft-golden-envoy-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const read = (name: string, file: string): Obj => {
  const p = path.join(root, name, 'expected', file);
  return existsSync(p) ? (parse(readFileSync(p, 'utf8')) as Obj) : {};
};
const envoyCases = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'proxy.yaml')) && (read(name, 'meta.yaml').proxy as Obj).kind === 'envoy').sort();

/** At most two Envoy processes at once: the machines have two cores. */
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  while (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

describe.concurrent('Envoy goldens load in a real Envoy (envoy --mode validate)', () => {
  it('has Envoy cases', () => expect(envoyCases.length).toBeGreaterThanOrEqual(20));

  for (const name of envoyCases) {
    it.skipIf(!envoy)(`${name}: a real Envoy accepts the golden (needs ENVOY_BIN or envoy on PATH)`, async () => {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(bootstrapOf(name)));
      const outcome = await limited(() => run(envoy!, ['--mode', 'validate', '-c', file, '-l', 'error', '--disable-hot-restart'], { encoding: 'utf8' })
        .then(() => 'accepted', (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().slice(-800)));
      expect(outcome).toBe('accepted');
    });
  }
});

/** A bootstrap holding the case's resources statically; ADS points at an address never dialled. */
function bootstrapOf(name: string): Obj {
  const routes = read(name, 'routes.yaml');
  const listeners = Object.values(read(name, 'listeners.yaml')).map((l) => inlineRds(l, routes));
  const ads = { name: 'xds', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'xds', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 18000 } } } }] }] },
    typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } } };
  return {
    node: { id: (read(name, 'meta.yaml').proxy as Obj).id, cluster: 'golden' },
    dynamic_resources: { ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds' } }] } },
    static_resources: { clusters: [...Object.values(read(name, 'clusters.yaml')), ads], listeners },
  };
}

/** A copy of `value` where every `rds: { route_config_name }` is replaced by that route configuration. */
function inlineRds(value: unknown, routes: Obj): unknown {
  if (Array.isArray(value)) return value.map((v) => inlineRds(v, routes));
  if (value === null || typeof value !== 'object') return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    const named = k === 'rds' ? (v as Obj).route_config_name : undefined;
    if (typeof named !== 'string') out[k] = inlineRds(v, routes);
    else if (routes[named]) out.route_config = routes[named];
    else throw new Error(`a listener names route configuration ${named}, which routes.yaml does not have`);
  }
  return out;
}
