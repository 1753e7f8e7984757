/**
 * The Gateway API standard-channel CRDs (sigs.k8s.io/gateway-api v1.6.3, fetched by
 * scripts/gateway-api-crds.sh) installed on a test API server, waiting until each is Established.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiextensionsV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import type { KubeApiServer } from '../../test/support/kube-apiserver.js';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export async function installGatewayApiCrds(kube: KubeApiServer): Promise<void> {
  const dir = execFileSync('sh', [path.resolve(import.meta.dirname, '../../scripts/gateway-api-crds.sh')], { encoding: 'utf8' }).trim();
  const ext = kube.kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const f of ['httproutes', 'grpcroutes', 'referencegrants', 'gateways']) {
    const crd = parse(readFileSync(path.join(dir, `${GATEWAY_GROUP}_${f}.yaml`), 'utf8')) as V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body: crd });
    await eventually(async () => {
      const got = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
      expect(got.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    }, 60_000, 200);
  }
}
