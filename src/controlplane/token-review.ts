/**
 * The TokenReviewer against a real API server (authentication.k8s.io/v1 TokenReview), with the
 * kubeconfig `weft serve --kubernetes` uses. weft's ServiceAccount needs `create` on
 * `tokenreviews` (deploy/kubernetes/rbac.yaml). `@kubernetes/client-node` is loaded on first use.
 */
import type { KubeConfig as KubeConfigType } from '@kubernetes/client-node';
import type { TokenReviewer } from './token-exchange.js';

/** A kubeconfig file, or a loaded KubeConfig; absent: `$KUBECONFIG`, `~/.kube/config`, then in-cluster. */
export async function kubeTokenReviewer(source?: string | KubeConfigType): Promise<TokenReviewer> {
  const { AuthenticationV1Api, KubeConfig } = await import('@kubernetes/client-node');
  let kc: KubeConfigType;
  if (typeof source === 'object') kc = source;
  else {
    kc = new KubeConfig();
    if (source) kc.loadFromFile(source);
    else kc.loadFromDefault();
  }
  const api = kc.makeApiClient(AuthenticationV1Api);
  return async (token, audiences) => {
    const r = await api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [...audiences] } } });
    const s = r.status;
    return { authenticated: s?.authenticated === true, username: s?.user?.username, audiences: s?.audiences ?? [], error: s?.error };
  };
}
