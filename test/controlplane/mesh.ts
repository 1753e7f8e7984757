/**
 * A small test mesh on disk: one gRPC service `echo.default` with two versions served by real
 * backends on 127.0.0.1, a canary TrafficPolicy, and a git work tree for the policy directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../../src/ca/index.js';
import { startWeft, type RunningWeft } from '../../src/cli/run.js';
import { memoryLogger, type Logger } from '../../src/controlplane/index.js';

export const TARGET = 'xds:///echo.default.svc.cluster.local:50051';

export function meshYaml(mtls = 'disabled'): string {
  return `kind: Mesh\ntrustDomain: cluster.local\nmtls: ${mtls}\n`;
}

export function canaryYaml(v1: number, v2: number): string {
  return [
    'kind: TrafficPolicy',
    'service: echo.default',
    'subsets:',
    '  v1: { version: v1 }',
    '  v2: { version: v2 }',
    'routes:',
    `  - backends: [{ subset: v1, weight: ${v1} }, { subset: v2, weight: ${v2} }]`,
    '',
  ].join('\n');
}

export function registryYaml(ports: { v1: number; v2: number }): string {
  return [
    'services:',
    '  - name: echo',
    '    namespace: default',
    '    ports: [{ name: grpc, port: 50051, protocol: grpc }]',
    '    endpoints:',
    `      - { address: 127.0.0.1, ports: { grpc: ${ports.v1} }, labels: { version: v1 } }`,
    `      - { address: 127.0.0.1, ports: { grpc: ${ports.v2} }, labels: { version: v2 } }`,
    '',
  ].join('\n');
}

export async function writeMesh(ports: { v1: number; v2: number }) {
  const root = await mkdtemp(path.join(tmpdir(), 'weft-mesh-'));
  const policyDir = path.join(root, 'policy');
  await mkdir(policyDir);
  await writeFile(path.join(policyDir, 'mesh.yaml'), meshYaml());
  await writeFile(path.join(policyDir, 'echo.yaml'), canaryYaml(90, 10));
  const registryFile = path.join(root, 'registry.yaml');
  await writeFile(registryFile, registryYaml(ports));
  const git = (...args: string[]) => execFileSync('git', ['-C', policyDir, ...args], { stdio: 'pipe' });
  git('init', '-q');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '.');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'canary 90/10');
  return { root, policyDir, registryFile, stateDir: path.join(root, 'state'), commit: git('rev-parse', 'HEAD').toString().trim() };
}

/**
 * weft over this mesh with `mtls: strict`, on ephemeral ports, and a second handle on its CA (from
 * the state directory) to issue bootstrap certificates as `weft bootstrap` would.
 */
export async function startStrictWeft(o: { readonly svidTtlMs: number; readonly log?: Logger }): Promise<{ weft: RunningWeft; ca: CertificateAuthority }> {
  const mesh = await writeMesh({ v1: 1, v2: 2 });
  await writeFile(path.join(mesh.policyDir, 'mesh.yaml'), meshYaml('strict'));
  const weft = await startWeft({
    policyDir: mesh.policyDir, registry: { kind: 'static', file: mesh.registryFile }, stateDir: mesh.stateDir,
    xds: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 }, svidTtlMs: o.svidTtlMs, log: o.log ?? memoryLogger(),
  });
  const r = await CertificateAuthority.open(path.join(mesh.stateDir, 'ca'), { trustDomain: 'cluster.local' });
  if (!r.ok) throw new Error(r.error.message);
  return { weft, ca: r.value };
}
