/**
 * Opens the Kubernetes registry source. `@kubernetes/client-node` is some 800 ES modules, so it
 * (and kube-source.ts, which extends its classes) is imported here on first use only: a weft on a
 * static registry, and every CLI command, never loads it.
 */
import type { RegistrySource } from './types.js';

export interface KubernetesOpenOptions {
  /** A kubeconfig file; default `$KUBECONFIG`, `~/.kube/config`, then in-cluster. */
  readonly kubeconfigFile?: string;
  /** Watch only these namespaces; default all. */
  readonly namespaces?: readonly string[];
}

/** A not-yet-started source for the cluster the kubeconfig names; `start()` it as any source. */
export async function openKubernetesRegistry(o: KubernetesOpenOptions): Promise<RegistrySource> {
  const [{ KubeConfig }, { KubernetesRegistrySource }] = await Promise.all([import('@kubernetes/client-node'), import('./kube-source.js')]);
  const kubeConfig = new KubeConfig();
  if (o.kubeconfigFile) kubeConfig.loadFromFile(o.kubeconfigFile);
  else kubeConfig.loadFromDefault();
  return new KubernetesRegistrySource({ kubeConfig, namespaces: o.namespaces });
}

/** A not-yet-started source of Gateway API routes (kube-routes.ts) for the same cluster. */
export async function openKubernetesRoutes(o: Pick<KubernetesOpenOptions, 'kubeconfigFile'>): Promise<import('./kube-routes.js').KubernetesRouteSource> {
  const [{ KubeConfig }, { KubernetesRouteSource }] = await Promise.all([import('@kubernetes/client-node'), import('./kube-routes.js')]);
  const kubeConfig = new KubeConfig();
  if (o.kubeconfigFile) kubeConfig.loadFromFile(o.kubeconfigFile);
  else kubeConfig.loadFromDefault();
  return new KubernetesRouteSource(kubeConfig);
}

/** A not-yet-started source of TLS Secrets (kube-secrets.ts) for the ingress gateway's certificates. */
export async function openKubernetesTlsSecrets(o: Pick<KubernetesOpenOptions, 'kubeconfigFile'>, onError?: (err: unknown) => void): Promise<import('./kube-secrets.js').KubernetesTlsSecrets> {
  const [{ KubeConfig }, { KubernetesTlsSecrets }] = await Promise.all([import('@kubernetes/client-node'), import('./kube-secrets.js')]);
  const kubeConfig = new KubeConfig();
  if (o.kubeconfigFile) kubeConfig.loadFromFile(o.kubeconfigFile);
  else kubeConfig.loadFromDefault();
  return new KubernetesTlsSecrets(kubeConfig, onError);
}
