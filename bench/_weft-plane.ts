/**
 * weft as the reconciler benchmarks run it: the real `Reconciler` (policy directory, debounce,
 * translation, last-good checks, snapshots) over an in-memory registry, a development CA, and an
 * `XdsServer` on 127.0.0.1 wired exactly as `ControlPlane.start` wires its plaintext port
 * (authenticate through the reconciler, stream bound/closed callbacks, PLAINTEXT_XDS_LIMITS).
 *
 * Plaintext, so the load generator needs no certificates; such streams get no private keys (the
 * trust bundle is still served over SDS). `ControlPlane` itself only takes a static file or
 * Kubernetes as its registry, which is why the pieces are composed here from public exports.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../src/ca/index.js';
import { CertificateManager, PolicySource, Reconciler, consoleLogger, type Logger } from '../src/controlplane/index.js';
import { PLAINTEXT_XDS_LIMITS, ResourceEncoder, SnapshotCache, XdsServer } from '../src/xds/index.js';
import { sharedNow } from './_ipc.js';
import { MemoryRegistry } from './_memory-registry.js';

export interface PlaneOptions {
  /** Policy files by name (written into a fresh directory). */
  policy: Record<string, string>;
  registry: MemoryRegistry;
  /** Reconciler debounce of policy changes; undefined keeps the default. */
  debounce?: { quietMs: number; maxMs: number };
  /** Reconciler debounce of registry changes; undefined keeps the default. */
  registryDebounce?: { quietMs: number; maxMs: number };
}

/** Counts warnings and errors and keeps the last few lines (a soak must not grow a log). */
export function boundedLogger(): Logger & { warnings: number; errors: number; last: string[] } {
  const state = { warnings: 0, errors: 0, last: [] as string[] };
  const base = consoleLogger((l) => {
    state.last.push(l);
    if (state.last.length > 20) state.last.shift();
  }, true);
  return Object.assign(state, {
    info: base.info,
    warn: (m: string, f?: Record<string, unknown>) => (state.warnings++, base.warn(m, f)),
    error: (m: string, f?: Record<string, unknown>) => (state.errors++, base.error(m, f)),
  });
}

export class WeftPlane {
  /**
   * Emits `merge` (changes) when the debounce fires and a flush starts, `policy` (ok) after every
   * policy load, `translate` (ms, proxies) after every rebuild.
   */
  readonly events = new EventEmitter();
  /** Shared-clock times at which flushes started (the debounce fired), in order. */
  readonly flushes: number[] = [];

  private constructor(
    readonly reconciler: Reconciler,
    readonly server: XdsServer,
    readonly port: number,
    readonly policyDir: string,
    readonly log: ReturnType<typeof boundedLogger>,
    private readonly root: string,
    private readonly certs: CertificateManager,
  ) {}

  static async start(o: PlaneOptions): Promise<WeftPlane> {
    const root = await mkdtemp(path.join(tmpdir(), 'weft-bench-plane-'));
    const policyDir = path.join(root, 'policy');
    await mkdir(policyDir);
    for (const [name, text] of Object.entries(o.policy)) await writeFile(path.join(policyDir, name), text);
    const ca = await CertificateAuthority.open(path.join(root, 'ca'), { trustDomain: 'cluster.local' });
    if (!ca.ok) throw new Error(`bench CA: ${ca.error.message}`);
    const log = boundedLogger();
    const certs = new CertificateManager(ca.value, { ttlMs: 3600_000, log });
    const events = new EventEmitter();
    const plaintextCache = new SnapshotCache();
    const reconciler = new Reconciler({
      policy: new PolicySource(policyDir), registry: o.registry, cache: new SnapshotCache(), plaintextCache,
      encoder: new ResourceEncoder(), certificates: certs, trustDomain: 'cluster.local', log, debounce: o.debounce, registryDebounce: o.registryDebounce,
      hooks: { onTranslate: (ms, n) => events.emit('translate', ms, n), onPolicyLoad: (ok) => events.emit('policy', ok), onMerge: (n) => events.emit('merge', n) },
    });
    const server = new XdsServer({
      cache: plaintextCache,
      limits: PLAINTEXT_XDS_LIMITS,
      authenticate: (r) => reconciler.authenticate(r, 'plaintext'),
      callbacks: { onStreamBound: (s) => reconciler.streamBound(s), onStreamClose: (s) => reconciler.streamClosed(s) },
    });
    const port = await server.listen(0, '127.0.0.1');
    await reconciler.start();
    const plane = new WeftPlane(reconciler, server, port, policyDir, log, root, certs);
    for (const name of ['translate', 'policy', 'merge']) events.on(name, (...a) => plane.events.emit(name, ...a));
    events.on('merge', () => plane.flushes.push(sharedNow()));
    return plane;
  }

  /** The first flush that started at or after `at` (shared clock), if any. */
  flushAfter(at: number): number | undefined {
    return this.flushes.find((f) => f >= at);
  }

  /**
   * Writes one policy file atomically (written beside the directory, then renamed into it, as a
   * git checkout or a ConfigMap update replaces files), so the directory watch never reads half
   * a file; the reconciler picks it up from there.
   */
  async writePolicy(name: string, text: string): Promise<void> {
    const tmp = path.join(this.root, `.${name}.${++this.writes}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, path.join(this.policyDir, name));
  }

  private writes = 0;

  /** The last lines weft logged at warn or error level (at most 20 lines of any level kept). */
  problems(): string[] {
    return this.log.last.filter((l) => /\b(warn|error)\b/.test(l));
  }

  async close(): Promise<void> {
    this.reconciler.stop();
    this.certs.stop();
    await this.server.close();
    await rm(this.root, { recursive: true, force: true });
  }
}
