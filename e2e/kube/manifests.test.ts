/**
 * deploy/kubernetes/ applied to a real API server: every object of the kustomization is created
 * for real (none needs a kubelet to be accepted: the Deployment is stored and validated, its pods
 * are never scheduled), and each variant is applied with a server-side dry run (it replaces an
 * object of the base). The API server's validation, defaulting and admission see them, not only
 * a YAML parser.
 */
import path from 'node:path';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeIt, kubeMissingInCi, needsKube, startKubeApiServer, type KubeApiServer } from '../../test/support/kube-apiserver.js';
import { deployDir, loadObjects, yamlFiles, type K8sObject } from '../../test/deploy/manifests.js';

const KUBE_DIR = path.join(deployDir, 'kubernetes');
let kube: KubeApiServer;

beforeAll(async () => {
  if (needsKube) return;
  kube = await startKubeApiServer();
}, 180_000);

afterAll(async () => {
  await kube?.stop();
}, 60_000);

function objectsOf(files: readonly string[]): KubernetesObject[] {
  return files.flatMap((f) => {
    const { objects, problems } = loadObjects(f);
    expect(problems).toEqual([]);
    return objects.map(({ file: _file, ...o }: K8sObject) => o as KubernetesObject);
  });
}

const label = (o: KubernetesObject) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

/** Applies in order, namespaces first; returns what failed, with the server's message. */
async function applyAll(objects: readonly KubernetesObject[], dryRun: boolean): Promise<string[]> {
  const failures: string[] = [];
  const ordered = [...objects].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  for (const o of ordered) {
    try {
      await kube.apply(o, { dryRun });
    } catch (err) {
      failures.push(`${label(o)}: ${(err as { body?: unknown }).body ?? String(err)}`);
    }
  }
  return failures;
}

describe('deploy/kubernetes on a real API server', () => {
  if (kubeMissingInCi) it('has the real API server (CI=true: the kube suite must run)', () => expect.fail(needsKube));

  kubeIt('creates every object of the kustomization for real', async () => {
    const kustomization = parse(readFileSync(path.join(KUBE_DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const objects = objectsOf(kustomization.resources.map((r) => path.join(KUBE_DIR, r)));
    expect(objects.length).toBeGreaterThan(5);
    expect(await applyAll(objects, false)).toEqual([]);
    for (const o of objects) {
      const stored = await kube.objects.read({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata!.name!, namespace: o.metadata?.namespace } });
      expect(stored.metadata?.uid, label(o)).toBeTruthy();
    }
    const deployment = (await kube.apps.readNamespacedDeployment({ name: 'weft', namespace: 'weft-system' })) as V1Deployment;
    expect(deployment.spec?.template.spec?.serviceAccountName).toBe('weft');
  });

  kubeIt('accepts every variant with a server-side dry run', async () => {
    const files = yamlFiles(path.join(KUBE_DIR, 'variants'));
    expect(files.length).toBeGreaterThan(0);
    expect(await applyAll(objectsOf(files), true)).toEqual([]);
  });
});
