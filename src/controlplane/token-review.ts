/**
 * The TokenReviewer against a real API server (authentication.k8s.io/v1 TokenReview), with the
 * kubeconfig `weft serve --kubernetes` uses. weft's ServiceAccount needs `create` on
 * `tokenreviews` (deploy/kubernetes/rbac.yaml). `@kubernetes/client-node` is loaded on first use.
 */
import type { TokenReviewer } from './token-exchange.js';

/** `kubeconfigFile` absent: `$KUBECONFIG`, `~/.kube/config`, then in-cluster. */
export async function kubeTokenReviewer(kubeconfigFile?: string): Promise<TokenReviewer> {
  const { AuthenticationV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (kubeconfigFile) kc.loadFromFile(kubeconfigFile);
  else kc.loadFromDefault();
  const api = kc.makeApiClient(AuthenticationV1Api);
  return async (token, audiences) => {
    const r = await api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [...audiences] } } });
    const s = r.status;
    return { authenticated: s?.authenticated === true, username: s?.user?.username, audiences: s?.audiences ?? [], error: s?.error };
  };
}
