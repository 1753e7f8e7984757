/**
 * The CA root shared by every weft replica, kept in one Kubernetes Secret (type
 * `kubernetes.io/tls`: `tls.crt`, `tls.key`) that is created exactly once.
 *
 * `ensureRootSecret` reads the Secret; when it does not exist it mints a root and creates it.
 * Two replicas starting together both mint, both create: the API server accepts one create and
 * answers the other 409 AlreadyExists, and the loser reads and uses the winner's root (its own
 * key is dropped, never written anywhere). So every replica signs with the same root.
 * @kubernetes/client-node is passed in (`CoreV1Api`), never imported here at run time.
 */
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { createRoot, type RootOptions } from '../ca/index.js';

export interface RootSecretOptions {
  readonly api: CoreV1Api;
  readonly namespace: string;
  /** Default `weft-ca-root`. */
  readonly name?: string;
  readonly root: RootOptions;
}

export interface RootSecret {
  readonly certPem: string;
  readonly keyPem: string;
  /** True for the one replica whose create won. */
  readonly created: boolean;
}

const code = (err: unknown) => (err as { code?: unknown }).code;

/** Reads the shared root, creating it once (see the module comment). */
export async function ensureRootSecret(o: RootSecretOptions): Promise<RootSecret> {
  const name = o.name ?? 'weft-ca-root';
  const existing = await readRoot(o.api, o.namespace, name);
  if (existing) return existing;
  const minted = createRoot(o.root);
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name, namespace: o.namespace, labels: { 'app.kubernetes.io/managed-by': 'weft' } },
    data: { 'tls.crt': b64(minted.certPem), 'tls.key': b64(minted.key.revealPem()) },
  };
  try {
    await o.api.createNamespacedSecret({ namespace: o.namespace, body });
    return { certPem: minted.certPem, keyPem: minted.key.revealPem(), created: true };
  } catch (err) {
    if (code(err) !== 409) throw err;
  }
  const winner = await readRoot(o.api, o.namespace, name);
  if (!winner) throw new Error(`Secret ${o.namespace}/${name} already existed, then was gone`);
  return winner;
}

async function readRoot(api: CoreV1Api, namespace: string, name: string): Promise<RootSecret | undefined> {
  let secret: V1Secret;
  try {
    secret = await api.readNamespacedSecret({ name, namespace });
  } catch (err) {
    if (code(err) === 404) return undefined;
    throw err;
  }
  const cert = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!cert || !key) throw new Error(`Secret ${namespace}/${name} has no tls.crt/tls.key`);
  return { certPem: unb64(cert), keyPem: unb64(key), created: false };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
