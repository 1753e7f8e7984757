/**
 * The self-managed CA of replicas (`serve --ca-secret`): its root, its rotation phase and the
 * trust bundle sequence live in one Kubernetes Secret that every replica reads, with the layout of
 * the state directory (docs/ca.md) under Secret keys: `tls.crt`/`tls.key` hold the signing root
 * (so the Secret stays a valid `kubernetes.io/tls`), then `ca-next.*`, `ca-prev.*`, `state.json`.
 *
 * - Every replica polls the Secret (`watch`) and adopts a newer state: the CA swaps roots and
 *   bundle between two issuance calls, and the control plane pushes the new bundle (and renews
 *   every certificate when the signer changed), as after a local rotation step.
 * - A rotation step (`step`, on the leader only: ControlPlane.rotateRoot) runs on the latest state
 *   and is persisted by one update carrying the resourceVersion it read: a step of another writer
 *   in between makes it fail (409), the local step is dropped, the Secret's state adopted, and
 *   the caller told to retry (WEFT6113). So the Secret only ever holds whole steps.
 *
 * The root itself is created once by `ensureRootSecret` (root-secret.ts).
 */
import type { CoreV1Api, KubeConfig, V1Secret } from '@kubernetes/client-node';
import { CertificateAuthority, MemoryRootFiles, StateFiles, formatCaError, type CaResult, type RootPhase } from '../ca/index.js';
import { ControlPlaneCodes } from './codes.js';
import type { Logger } from './log.js';
import { rootFromSecret, ReplicaStartError, type ObjectRef } from './replicas.js';

/** Root file name → Secret data key. */
const KEY_OF: Readonly<Record<string, string>> = { [StateFiles.cert]: 'tls.crt', [StateFiles.key]: 'tls.key' };
const FILE_OF: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(KEY_OF).map(([f, k]) => [k, f]));

export class SharedRoot {
  private files: MemoryRootFiles;
  private version: string;
  private meta: V1Secret['metadata'];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The last refresh or step queued: they run one at a time (`serial`). */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly api: CoreV1Api,
    readonly ref: ObjectRef,
    readonly ca: CertificateAuthority,
    loaded: { files: MemoryRootFiles; version: string; meta: V1Secret['metadata'] },
    private readonly log: Logger,
  ) {
    this.files = loaded.files;
    this.version = loaded.version;
    this.meta = loaded.meta;
  }

  /** Creates the Secret when missing (one replica wins), then opens the CA from it. */
  static async open(kc: KubeConfig, ref: ObjectRef, trustDomain: string, log: Logger): Promise<{ shared: SharedRoot; created: boolean }> {
    const { created } = await rootFromSecret(kc, ref, trustDomain);
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const api = kc.makeApiClient(CoreV1Api);
    const loaded = await load(await api.readNamespacedSecret(ref), ref, trustDomain);
    if (!loaded.ca.ok) throw new ReplicaStartError(`${ControlPlaneCodes.caSecretUnusable.code}: ${formatCaError(loaded.ca.error)}`);
    return { shared: new SharedRoot(api, ref, loaded.ca.value, loaded, log), created };
  }

  /**
   * Re-reads the Secret and adopts a newer state: what changed for the proxies. Never while a
   * step runs: a read answered with the Secret as it was before the step's update landed would
   * differ from the version the step wrote, and adopting it would move the CA back a phase.
   */
  refresh(): Promise<'nothing' | 'bundle' | 'signer'> {
    return this.serial(() => this.reread());
  }

  private async reread(): Promise<'nothing' | 'bundle' | 'signer'> {
    const secret = await this.api.readNamespacedSecret(this.ref);
    if (secret.metadata?.resourceVersion === this.version) return 'nothing';
    const loaded = await load(secret, this.ref, this.ca.trustDomain);
    if (!loaded.ca.ok) {
      this.log.error('the CA Secret changed to a state weft cannot use; keeping the current root', { secret: `${this.ref.namespace}/${this.ref.name}`, error: formatCaError(loaded.ca.error) });
      this.version = loaded.version;
      return 'nothing';
    }
    const before = this.ca.trustBundle();
    this.ca.adopt(loaded.ca.value);
    this.files = loaded.files;
    this.version = loaded.version;
    this.meta = loaded.meta;
    const after = this.ca.trustBundle();
    if (after.pems[0] !== before.pems[0]) return 'signer';
    return after.sequence !== before.sequence || after.pems.join('') !== before.pems.join('') ? 'bundle' : 'nothing';
  }

  /** One rotation step on the latest state, kept only if the Secret took it (module comment). */
  step(run: (ca: CertificateAuthority) => Promise<CaResult<RootPhase>>): Promise<CaResult<RootPhase> | { ok: false; conflict: string }> {
    return this.serial(() => this.stepNow(run));
  }

  private async stepNow(run: (ca: CertificateAuthority) => Promise<CaResult<RootPhase>>): Promise<CaResult<RootPhase> | { ok: false; conflict: string }> {
    try {
      await this.reread();
    } catch (err) {
      return { ok: false, conflict: `${ControlPlaneCodes.rotationConflict.code}: cannot read the CA Secret ${this.ref.namespace}/${this.ref.name} (${String((err as { code?: unknown }).code ?? (err as Error).message)}); nothing changed: retry` };
    }
    const r = await run(this.ca);
    if (!r.ok) return r;
    try {
      const body = secretBody(this.meta, this.files, this.version);
      this.version = (await this.api.replaceNamespacedSecret({ ...this.ref, body })).metadata?.resourceVersion ?? '';
      return r;
    } catch (err) {
      this.version = '';
      await this.reread().catch(() => undefined);
      const status = (err as { code?: unknown }).code;
      return { ok: false, conflict: `${ControlPlaneCodes.rotationConflict.code}: the CA Secret ${this.ref.namespace}/${this.ref.name} ${status === 409 ? 'changed under this step (another writer)' : `could not be written (${String(status ?? err)})`}; nothing changed, the Secret's state is served: retry` };
    }
  }

  /** Polls every `everyMs`; `onChange` after a newer state was adopted. */
  watch(everyMs: number, onChange: (what: 'bundle' | 'signer') => void): void {
    const loop = async () => {
      try {
        const what = await this.refresh();
        if (what !== 'nothing') onChange(what);
      } catch (err) {
        this.log.warn('cannot read the CA Secret (keeping the current root)', { secret: `${this.ref.namespace}/${this.ref.name}`, error: String((err as Error).message ?? err) });
      }
      if (!this.stopped) (this.timer = setTimeout(loop, everyMs)).unref();
    };
    (this.timer = setTimeout(loop, everyMs)).unref();
  }

  /** Runs `fn` after every refresh and step queued before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

async function load(secret: V1Secret, ref: ObjectRef, trustDomain: string) {
  const files = new MemoryRootFiles(`Secret ${ref.namespace}/${ref.name}`,
    Object.entries(secret.data ?? {}).map(([k, v]) => [FILE_OF[k] ?? k, Buffer.from(v, 'base64').toString('utf8')] as const));
  const ca = await CertificateAuthority.open(files, { trustDomain });
  return { files, ca, version: secret.metadata?.resourceVersion ?? '', meta: secret.metadata };
}

/** The Secret with `files` as its data, its metadata kept (labels an operator set stay). */
function secretBody(meta: V1Secret['metadata'], files: MemoryRootFiles, resourceVersion: string): V1Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls',
    metadata: { ...meta, resourceVersion },
    data: Object.fromEntries(files.entries().map(([f, v]) => [KEY_OF[f] ?? f, Buffer.from(v, 'utf8').toString('base64')])),
  };
}
