/**
 * deploy/docker-compose: the compose file parses, its references resolve (depends_on, shared
 * network namespaces, volumes), pod addresses agree with its registry, every pod gets a bootstrap,
 * and redirect.sh applies exactly the rules `weft inject` uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENVOY_SIDECAR_FLAGS } from '../../src/controlplane/index.js';
import { iptablesApply } from '../../src/inject/index.js';
import { deployDir } from './manifests.js';

const dir = path.join(deployDir, 'docker-compose');
const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');

interface ComposeService {
  image?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  network_mode?: string;
  networks?: Record<string, { ipv4_address?: string; aliases?: string[] } | null>;
  volumes?: string[];
  command?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
  networks: Record<string, unknown>;
}

// Compose files use YAML merge keys (`<<: *proxy`); the yaml package applies them with `merge`.
const compose = parse(read('docker-compose.yaml'), { merge: true }) as Compose;
const registry = parse(read('registry.yaml')) as { services: { name: string; serviceAccount: string; endpoints: { address: string; instance: string }[] }[] };
const pods = registry.services.flatMap((s) => s.endpoints.map((e) => ({ ...e, service: s.name, serviceAccount: s.serviceAccount })));

describe('deploy/docker-compose', () => {
  it('every depends_on and network_mode names an existing service', () => {
    const names = new Set(Object.keys(compose.services));
    const problems: string[] = [];
    for (const [name, s] of Object.entries(compose.services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) if (!names.has(d)) problems.push(`${name}: depends_on ${d}`);
      const shared = /^service:(.+)$/.exec(s.network_mode ?? '')?.[1];
      if (s.network_mode && (!shared || !names.has(shared))) problems.push(`${name}: network_mode ${s.network_mode}`);
      if (shared && !deps.includes(shared) && !deps.some((d) => compose.services[d]?.network_mode === s.network_mode)) problems.push(`${name}: shares ${shared}'s namespace without waiting for it`);
    }
    expect(problems).toEqual([]);
  });

  it('named volumes and networks are declared', () => {
    const problems: string[] = [];
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/') && !(source in compose.volumes)) problems.push(`${name}: volume ${source}`);
      }
      for (const n of Object.keys(s.networks ?? {})) if (!(n in compose.networks)) problems.push(`${name}: network ${n}`);
    }
    expect(problems).toEqual([]);
  });

  it('each registry endpoint is a pod with its address, an init step and an Envoy sidecar', () => {
    expect(pods.length).toBe(6);
    for (const p of pods) {
      const app = compose.services[p.instance];
      expect(app?.networks?.['mesh']?.ipv4_address, p.instance).toBe(p.address);
      expect(app?.networks?.['mesh']?.aliases).toContain(p.service);
      expect(compose.services[`${p.instance}-init`]?.network_mode).toBe(`service:${p.instance}`);
      const proxy = compose.services[`${p.instance}-proxy`];
      expect(proxy?.image).toMatch(/^envoyproxy\/envoy:/);
      expect(proxy?.network_mode).toBe(`service:${p.instance}`);
      expect(proxy?.command).toEqual(expect.arrayContaining(['-c', `/bootstrap/${p.instance}/envoy.json`]));
      // The flags every weft sidecar runs with (drain on a listener change), as `weft bootstrap` prints them.
      const cmd = (proxy?.command ?? []).join(' ');
      expect(cmd, p.instance).toContain(ENVOY_SIDECAR_FLAGS.join(' '));
    }
  });

  it('bootstrap.sh writes a bootstrap for every pod with its service account and address', () => {
    const script = read('bootstrap.sh');
    for (const p of pods) expect(script).toContain(`boot ${p.instance} ${p.serviceAccount} ${p.address} `);
    expect(script).toContain('--interception iptables');
  });

  it('redirect.sh applies the same rules as weft inject', () => {
    expect(read('redirect.sh')).toContain(iptablesApply({ excludeInboundPorts: [], excludeOutboundPorts: [18000, 18001] }));
  });
});
