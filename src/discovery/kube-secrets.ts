/**
 * TLS Secrets from Kubernetes for the ingress gateway's listener certificates (a Gateway
 * `certificateRef` of kind Secret, docs/gateway-api.md "Ingress gateway"). One informer over every
 * namespace with `fieldSelector=type=kubernetes.io/tls` on both its list and its watch, so the
 * cache holds TLS Secrets only (never a ServiceAccount token or another Secret). It restarts with
 * capped backoff after an error (the client stops an informer on one; a 403 without the RBAC of
 * deploy/kubernetes/gateway-secrets-rbac.yaml keeps it retrying, logged by the caller).
 *
 * Loaded lazily through kube-open.ts; the key material only passes through (`tlsPair`), never logged.
 */
import { CoreV1Api, ListWatch, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { Backoff, BookmarkWatch } from './kube-watch.js';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';
const FIELD_SELECTOR = `type=${TLS_SECRET_TYPE}`;

/** A TLS Secret's pair as PEM, or why it has none. */
export type TlsPair = { readonly certPem: string; readonly keyPem: string; readonly version: string } | { readonly problem: string; readonly version: string };

export class KubernetesTlsSecrets {
  private readonly informer: ListWatch<V1Secret>;
  private readonly listeners: (() => void)[] = [];
  private readonly backoff = new Backoff(250, 30_000);
  private stopped = false;
  /** The last list or watch error (the informer restarts after it). */
  lastError: unknown;

  constructor(kubeConfig: KubeConfig, private readonly onError: (err: unknown) => void = () => undefined) {
    const api = kubeConfig.makeApiClient(CoreV1Api);
    const watch = new BookmarkWatch(kubeConfig, this.backoff, 300, () => this.stopped);
    const list = async () => {
      const r = await api.listSecretForAllNamespaces({ fieldSelector: FIELD_SELECTOR });
      this.backoff.reset();
      return r;
    };
    this.informer = new ListWatch<V1Secret>('/api/v1/secrets', watch, list, false, undefined, FIELD_SELECTOR);
    for (const ev of ['add', 'update', 'delete'] as const) this.informer.on(ev, () => this.listeners.forEach((f) => f()));
    this.informer.on('error', (err: unknown) => this.retry(err));
  }

  async start(): Promise<void> {
    await this.informer.start().catch((err: unknown) => this.retry(err));
  }

  /** Undefined: no TLS Secret of that name is known. */
  tlsPair(namespace: string, name: string): TlsPair | undefined {
    const s = this.informer.get(name, namespace);
    if (!s) return undefined;
    const version = s.metadata?.resourceVersion ?? '';
    if (s.type !== TLS_SECRET_TYPE) return { problem: `Secret ${namespace}/${name} is of type ${s.type}, not ${TLS_SECRET_TYPE}`, version };
    const crt = s.data?.['tls.crt'];
    const key = s.data?.['tls.key'];
    if (!crt || !key) return { problem: `Secret ${namespace}/${name} has no ${crt ? 'tls.key' : 'tls.crt'}`, version };
    return { certPem: Buffer.from(crt, 'base64').toString('utf8'), keyPem: Buffer.from(key, 'base64').toString('utf8'), version };
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
  }

  private retry(err: unknown): void {
    this.lastError = err;
    if (this.stopped) return;
    this.onError(err);
    setTimeout(() => void this.informer.start().catch((e: unknown) => this.retry(e)), this.backoff.next()).unref();
  }
}
