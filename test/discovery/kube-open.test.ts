/** openKubernetesRegistry: the lazily loaded Kubernetes source, opened from a kubeconfig file. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openKubernetesRegistry, type RegistrySource } from '../../src/discovery/index.js';
import { FakeKubeServer } from './fake-kube-server.js';
import { service } from './kube-fixtures.js';

let server: FakeKubeServer | undefined;
let source: RegistrySource | undefined;
afterEach(async () => {
  await source?.stop();
  await server?.close();
});

it('opens a source from a kubeconfig file that syncs the cluster it names', async () => {
  server = await FakeKubeServer.start();
  server.apply('services', service('reviews', [{ name: 'http', port: 9080, targetPort: 9080 }]));
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'weft-kubeconfig-')), 'config');
  await writeFile(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: fake',
    `clusters: [{ name: fake, cluster: { server: "${server.url}", insecure-skip-tls-verify: true } }]`,
    'users: [{ name: tester, user: { token: test-token } }]',
    'contexts: [{ name: fake, context: { cluster: fake, user: tester } }]', '',
  ].join('\n'));
  source = await openKubernetesRegistry({ kubeconfigFile: file, namespaces: ['default'] });
  await source.start();
  expect([...source.current().services.keys()]).toEqual(['reviews.default']);
});
