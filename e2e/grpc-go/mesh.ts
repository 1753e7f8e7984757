/**
 * A grpc-go mesh: weft in-process (as e2e/proxyless runs it, scripts/mesh/weft.ts) on a temp copy
 * of a policy and a static registry, with grpc-go servers and clients as child processes.
 *
 * Every xDS node is bootstrapped by the real `weft bootstrap --format grpc` command (run
 * in-process through the CLI's `main`, against weft's own state directory): its bootstrap JSON
 * with the `file_watcher` certificate provider, and the certificate, key and CA files it points
 * at. Plain servers (no xDS) stand in for backends whose features live in the client.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { RunningWeft } from '../../src/cli/run.js';
import { main as weftCli } from '../../src/cli/main.js';
import { writeMeshDir, type MeshDir, type ServiceSpec } from '../../scripts/mesh/mesh-files.js';
import { converged, policyVersion, startMeshWeft } from '../../scripts/mesh/weft.js';
import { GoClient } from './client.js';
import { grpcGoBinary } from './go-binary.js';
import { GoProcess } from './processes.js';

export interface ServerSpec {
  /** Instance name, put in every reply. */
  readonly name: string;
  readonly port: number;
  /** Serve through xds.NewGRPCServer on 0.0.0.0:<port> as a node with this service account. */
  readonly xds?: { readonly serviceAccount: string; readonly service: string };
  readonly failRate?: number;
  readonly delay?: string;
  /** Listen on this host instead (default 0.0.0.0 for an xDS server, 127.0.0.1 otherwise). */
  readonly host?: string;
  /** A known-defect scenario: do not wait for READY, and tolerate this server's rejections. */
  readonly knownDefect?: boolean;
}

export class GoMesh {
  readonly #procs: GoProcess[] = [];
  readonly #nodes: string[] = [];
  readonly #reported = new Set<string>();

  private constructor(readonly dir: MeshDir, readonly weft: RunningWeft, readonly binary: string) {}

  /** `policyDir` is copied into the mesh's temp directory; only the copy is ever edited. */
  static async start(services: readonly ServiceSpec[], policyDir: string): Promise<GoMesh> {
    const binary = await grpcGoBinary();
    const dir = await writeMeshDir(services, {}, policyDir);
    try {
      return new GoMesh(dir, await startMeshWeft(dir), binary);
    } catch (err) {
      await dir.remove();
      throw err;
    }
  }

  /** xDS node ids of the mesh's grpc-go processes. */
  get nodeIds(): readonly string[] {
    return this.#nodes;
  }

  /** Runs `weft bootstrap --format grpc` for one node; returns the bootstrap file. */
  async bootstrap(id: string, serviceAccount: string, services: readonly string[] = []): Promise<string> {
    const out = path.join(this.dir.root, 'nodes', id);
    const args = ['bootstrap', '--format', 'grpc', '--node-id', id, '--namespace', 'default', '--service-account', serviceAccount,
      '--out', out, '--state-dir', this.dir.stateDir, '--xds-address', `127.0.0.1:${this.weft.cp.insecure!.port}`];
    if (services.length) args.push('--services', services.join(','), '--instance-ips', '127.0.0.1');
    const code = await quietly(() => weftCli(args));
    if (code !== 0) throw new Error(`weft ${args.join(' ')} exited ${code}`);
    this.#nodes.push(id);
    return path.join(out, 'grpc-bootstrap.json');
  }

  /** Starts a server and waits until it serves (an xDS server: until weft's Listener arrived). */
  async server(s: ServerSpec): Promise<GoProcess> {
    const args = ['server', '--name', s.name, '--listen', `${s.host ?? (s.xds ? '0.0.0.0' : '127.0.0.1')}:${s.port}`];
    if (s.failRate !== undefined) args.push('--fail-rate', String(s.failRate));
    if (s.delay) args.push('--delay', s.delay);
    let env: Record<string, string> = {};
    if (s.xds) {
      args.push('--xds');
      env = { GRPC_XDS_BOOTSTRAP: await this.bootstrap(s.name, s.xds.serviceAccount, [s.xds.service]) };
    }
    return this.#start(s.name, args, env, !s.knownDefect, s.knownDefect);
  }

  /** Starts an xDS client node with the identity of `serviceAccount`. `withoutCertificateProviders`
   * deletes them from its bootstrap (a hand-written bootstrap): the node is then expected to reject
   * mTLS clusters, so it is left out of `converged` and its rejections are tolerated. */
  async client(id: string, serviceAccount: string, o: { withoutCertificateProviders?: boolean } = {}): Promise<GoClient> {
    const file = await this.bootstrap(id, serviceAccount);
    if (o.withoutCertificateProviders) {
      const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      delete config.certificate_providers;
      await writeFile(file, JSON.stringify(config, null, 2));
      this.#nodes.splice(this.#nodes.indexOf(id), 1);
    }
    return new GoClient(id, await this.#start(id, ['client'], { GRPC_XDS_BOOTSTRAP: file }, true, o.withoutCertificateProviders));
  }

  async #start(name: string, args: string[], env: Record<string, string>, awaitReady = true, tolerated = false): Promise<GoProcess> {
    const p = new GoProcess(name, this.binary, args, env, tolerated);
    this.#procs.push(p);
    if (awaitReady) await p.ready();
    return p;
  }

  /** Rewrites one policy file and waits until every node has ACKed the new version. */
  async editPolicy(file: string, text: string): Promise<string> {
    const before = await policyVersion(this.weft);
    await this.dir.writePolicy(file, text);
    return converged(this.weft, this.#nodes, before);
  }

  /** Waits until every node is connected and has ACKed every type of the current version. */
  converged(): Promise<string> {
    return converged(this.weft, this.#nodes);
  }

  /** NACK and NOT_SERVING lines grpc-go processes logged since the last call, prefixed with the
   * process name (each is reported once, to the scenario during which it appeared). */
  rejections(): string[] {
    const all = this.#procs.filter((p) => !p.tolerated).flatMap((p) => p.rejections().map((r) => `${p.name}: ${r}`));
    const fresh = all.filter((r) => !this.#reported.has(r));
    for (const r of fresh) this.#reported.add(r);
    return fresh;
  }

  stderrs(): string {
    return this.#procs.filter((p) => p.stderr()).map((p) => `--- ${p.name}\n${p.stderr().slice(-3000)}`).join('\n');
  }

  /** Stops weft first, then the processes. The other order can hang: a grpc-go peer that went
   * away can leave a destroyed HTTP/2 session in grpc-js' session map, whose `close(callback)`
   * Node drops, so `tryShutdown` in weft's `XdsServer.close` never calls back (and its
   * `forceShutdown` timer does not resolve the promise). */
  async stop(): Promise<void> {
    const closed = await Promise.race([this.weft.close().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5_000))]);
    if (!closed) console.warn('grpc-go mesh: weft.close() did not finish within 5 s (XdsServer.close waits on grpc-js tryShutdown); going on');
    await Promise.all(this.#procs.map((p) => p.stop()));
    await this.dir.remove();
  }
}

/** After each test: no grpc-go process may have rejected anything weft sent; a failed test
 * prints the processes' logs. */
export function guardRejections(mesh: () => GoMesh | undefined): void {
  afterEach((ctx) => {
    const m = mesh();
    if (!m) return;
    if (ctx.task.result?.state === 'fail') console.error(m.stderrs());
    const rejected = m.rejections();
    if (rejected.length) throw new Error(`grpc-go rejected what weft sent:\n${rejected.join('\n')}`);
  });
}

const realWrite = process.stdout.write;
let quiet = 0;

/** Runs `fn` with process.stdout.write swallowed (`weft bootstrap` prints what it wrote); nests
 * safely when bootstraps overlap. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  if (quiet++ === 0) process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    if (--quiet === 0) process.stdout.write = realWrite;
  }
}
