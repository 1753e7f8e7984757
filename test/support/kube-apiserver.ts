/**
 * A real Kubernetes API server for tests: the test/kube/apiserver program (embedded etcd and
 * kube-apiserver, RBAC + Node authorization, a static admin token, service-account signing keys),
 * built by scripts/build-kube-apiserver.sh and found through `KUBE_APISERVER_BIN`.
 *
 * One server per test file (`startKubeApiServer()` in beforeAll, `stop()` in afterAll): it starts
 * in a few seconds, and a file then owns its etcd (compaction and RBAC tests cannot disturb
 * another file). There is no kubelet and no controller manager: tests write EndpointSlices
 * themselves, and `createNamespace` creates the `default` ServiceAccount the ServiceAccount
 * controller would.
 *
 * Without `KUBE_APISERVER_BIN` the tests declared with `kubeIt` are skipped with the reason in
 * their names; under CI (`CI=true`) the suite must fail instead (`kubeMissingInCi`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig, KubernetesObjectApi, RbacAuthorizationV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { it } from 'vitest';

/** Why the real API server cannot run here, or undefined when it can. */
export const needsKube: string | undefined = process.env.KUBE_APISERVER_BIN ? undefined : 'no real API server: KUBE_APISERVER_BIN is not set (scripts/build-kube-apiserver.sh builds it)';

/** True when this is CI and the binary is missing: the suite must fail, not skip. */
export const kubeMissingInCi = needsKube !== undefined && process.env.CI === 'true';

/** A test that runs only against the real API server; its name carries the reason when skipped. */
export function kubeIt(title: string, fn: () => Promise<void>, timeout = 60_000): void {
  it.skipIf(!!needsKube)(needsKube ? `${title} (skipped: ${needsKube})` : title, fn, timeout);
}

/** What the program prints once /readyz answers. */
interface ReadyLine {
  readonly kubeconfig: string;
  readonly url: string;
  readonly token: string;
  readonly caFile: string;
  readonly dir: string;
  readonly controlUrl: string;
  readonly auditLog?: string;
}

/** One request as the API server's audit log records it (level Metadata). */
export interface AuditEvent {
  readonly verb: string;
  readonly requestURI: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly resource?: string; readonly namespace?: string; readonly name?: string };
  readonly responseStatus?: { readonly code?: number };
  readonly stage: string;
}

export interface KubeApiServerOptions {
  /** Extra kube-apiserver flags (a later flag wins over the program's own). */
  readonly flags?: readonly string[];
  /** Default 120 s: a cold start on a loaded two-core machine takes tens of seconds. */
  readonly readyTimeoutMs?: number;
  /** Record every request in an audit log (read with `auditEvents()`). */
  readonly audit?: boolean;
}

const STDERR_LINES = 200;

/** A running API server; `stop()` it (SIGTERM; etcd stops and its temp dir goes). */
export class KubeApiServer {
  /** Admin (system:masters) access through the static token. */
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly apps: AppsV1Api;
  readonly objects: KubernetesObjectApi;
  private namespaces = 0;

  constructor(private readonly child: ChildProcess, readonly ready: ReadyLine, private readonly stderr: string[], private readonly dir: string) {
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromFile(ready.kubeconfig);
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.discovery = this.kubeConfig.makeApiClient(DiscoveryV1Api);
    this.rbac = this.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    this.apps = this.kubeConfig.makeApiClient(AppsV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(this.kubeConfig);
  }

  /** The API server's URL (https://127.0.0.1:port). */
  get url(): string {
    return this.ready.url;
  }

  /**
   * A KubeConfig that authenticates with `token` (default: the admin token; or e.g. a
   * ServiceAccount's), for this server or `server` (a proxy in front of it, same certificate).
   */
  kubeConfigFor(token = this.ready.token, server = this.ready.url, user = 'token-user'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'weft-test', server, caFile: this.ready.caFile }],
      users: [{ name: user, token }],
      contexts: [{ name: 'weft-test', cluster: 'weft-test', user }],
      currentContext: 'weft-test',
    });
    return kc;
  }

  /** Creates a fresh namespace `<prefix>-<n>` with its `default` ServiceAccount; returns its name. */
  async createNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
    const name = `${prefix}-${++this.namespaces}`;
    await this.core.createNamespace({ body: { metadata: { name, labels } } });
    await this.core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
    return name;
  }

  /** Server-side apply of `obj` (field manager `weft-test`); `dryRun` validates through admission only. */
  async apply<T extends KubernetesObject>(obj: T, o: { readonly dryRun?: boolean } = {}): Promise<T> {
    return (await this.objects.patch(obj, undefined, o.dryRun ? 'All' : undefined, 'weft-test', true, 'application/apply-patch+yaml')) as T;
  }

  /** A ServiceAccount token from the TokenRequest API (default audience: the API server's). */
  async tokenFor(namespace: string, serviceAccount: string, o: { readonly audiences?: readonly string[]; readonly seconds?: number } = {}): Promise<string> {
    const res = await this.core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace,
      body: { spec: { audiences: o.audiences ? [...o.audiences] : [], expirationSeconds: o.seconds ?? 3600 } },
    });
    const token = res.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    return token;
  }

  /**
   * Compacts etcd at its current revision: every resourceVersion before the returned revision is
   * then too old (a watch or list from it gets 410 Gone, unless the watch cache still holds it).
   */
  async compact(): Promise<number> {
    const res = await fetch(`${this.ready.controlUrl}/compact`, { method: 'POST', headers: { authorization: `Bearer ${this.ready.token}` } });
    if (!res.ok) throw new Error(`compact: HTTP ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { revision: number }).revision;
  }

  /** The audit log so far (needs `audit: true`); events of stage ResponseComplete or Panic. */
  async auditEvents(): Promise<AuditEvent[]> {
    if (!this.ready.auditLog) throw new Error('the server was started without audit: true');
    const text = await readFile(this.ready.auditLog, 'utf8');
    // The last line may be half-written while requests go on.
    return text.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as AuditEvent).filter((e) => e.stage !== 'ResponseStarted');
  }

  /** The last lines the program wrote to stderr (for failure messages). */
  logTail(): string {
    return this.stderr.join('\n');
  }

  /** SIGTERM, waits for the exit (SIGKILL after `graceMs`), then removes the state directory. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Starts the program and resolves once it is ready (rejects with its stderr tail otherwise). */
export async function startKubeApiServer(o: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const bin = process.env.KUBE_APISERVER_BIN;
  if (!bin) throw new Error(needsKube);
  const timeoutMs = o.readyTimeoutMs ?? 120_000;
  // The harness owns the state directory and removes it once the program exited, however it
  // ended (the program removes only a directory it created itself).
  const dir = await mkdtemp(path.join(tmpdir(), 'weft-kube-apiserver-'));
  const args = [`-dir=${dir}`, `-ready-timeout=${Math.round(timeoutMs / 1000)}s`, ...(o.audit ? ['-audit-log'] : []), '--', ...(o.flags ?? [])];
  // stdin stays an open pipe: the program stops when it closes, so a dead test runner cannot
  // leave an API server behind.
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.once('exit', () => void rm(dir, { recursive: true, force: true })); // failures before ready
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_LINES) stderr.shift();
  });
  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs + 5_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n--- kube-apiserver-test stderr (tail) ---\n${stderr.slice(-40).join('\n')}`));
    };
    child.once('error', fail);
    const early = (code: number | null, signal: NodeJS.Signals | null) => fail(new Error(`kube-apiserver-test exited (${code ?? signal}) before it was ready`));
    child.once('exit', early);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', early);
      try {
        resolve(JSON.parse(line) as ReadyLine);
      } catch {
        fail(new Error(`unexpected first line on stdout: ${line}`));
      }
    });
  });
  return new KubeApiServer(child, ready, stderr, dir);
}
