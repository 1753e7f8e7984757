/**
 * Contract test against a real API server: runs only when KUBECONFIG is set (read-only: it lists
 * and watches, and never creates anything). Elsewhere it is reported as skipped, by name.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubernetesRegistrySource } from '../../src/discovery/kube-source.js';

describe('KubernetesRegistrySource on a real cluster', () => {
  it.skipIf(!process.env.KUBECONFIG)('syncs and maps the kubernetes.default service (skipped: KUBECONFIG is not set)', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    const source = new KubernetesRegistrySource({ kubeConfig, namespaces: ['default'], syncTimeoutMs: 20_000 });
    try {
      await source.start();
      expect(source.synced).toBe(true);
      const api = source.current().services.get('kubernetes.default');
      expect(api?.hostname).toBe('kubernetes.default.svc.cluster.local');
      expect(api?.ports.some((p) => p.port === 443)).toBe(true);
      expect(api?.endpoints.length).toBeGreaterThan(0);
    } finally {
      await source.stop();
    }
  });
});
