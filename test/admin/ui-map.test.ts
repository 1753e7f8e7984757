/**
 * The service map page (`/ui`) in headless Chromium (Debian's `chromium`, driven by
 * playwright-core with `executablePath`; scripts/install-chromium.sh installs it in CI): served by
 * the real admin app over a real socket, it must draw the services grouped by namespace, the
 * canary's weighted subsets, traffic edges with their figures, and a NACK with its policy
 * file:line; with 500 services it must still draw every one. Screenshots are kept as test
 * artefacts under `.scratch/ui/` (WEFT_UI_ARTEFACTS overrides). The README's picture comes from the
 * real demo instead (e2e/envoy/demo.test.ts).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildAdminApp } from '../../src/admin/index.js';
import { buildGraph, type GraphInput } from '../../src/controlplane/graph.js';
import type { EdgeView } from '../../src/controlplane/edge-stats.js';
import type { ProxyView } from '../../src/controlplane/index.js';
import type { Service } from '../../src/discovery/index.js';
import { loadPolicyDocuments } from '../../src/policy/index.js';
import { needsChromium, openPage } from '../support/chromium.js';
import { fakeView } from './fake-view.js';

const skip = needsChromium;
const title = (t: string) => (skip ? `${t} (skipped: ${skip})` : t);
const artefacts = process.env.WEFT_UI_ARTEFACTS ?? path.resolve('.scratch/ui');

const svc = (name: string, namespace: string): Service => ({
  key: `${name}.${namespace}`, name, namespace, hostname: `${name}.${namespace}.svc.cluster.local`, serviceAccount: name,
  ports: [{ name: 'http', port: 9080, targetPort: 9080, protocol: 'http' }],
  endpoints: [{ address: '10.0.0.1', labels: { app: name }, health: 'healthy', instance: `${name}-1` }],
});

const proxy = (id: string, namespace: string, sa: string, nack?: string): ProxyView => ({
  id, kind: 'envoy', namespace, serviceAccount: sa, identity: `spiffe://cluster.local/ns/${namespace}/sa/${sa}`, peer: '10.0.0.1:1', authenticated: true,
  channel: 'mtls', nodeIdCollisions: [], refusedServices: [], delta: false, connectedAt: '2026-12-02T00:00:00.000Z', configBytes: 1,
  types: (['CDS', 'EDS', 'LDS', 'RDS', 'SDS'] as const).map((type) => nack && type === 'RDS'
    ? { type, status: 'NACKED' as const, subscribed: [], resources: 1, nack: { message: 'route: invalid regex', at: '2026-12-02T00:00:00.000Z', version: 'r2', resources: [{ name: 'outbound|9080', source: nack }] } }
    : { type, status: 'SYNCED' as const, subscribed: [], resources: 1 }),
});

const edge = (from: string, ns: string, to: string, subset: string, rps: number, errorRate: number, p99Ms: number): EdgeView => ({
  sourceNamespace: ns, sourceWorkload: from, destinationService: `${to}.svc.cluster.local`, destinationPort: '9080', destinationSubset: subset,
  requestsPerSecond: rps, errorRate, p99Ms, totals: { requests: rps * 30, errors: 0, grpcErrors: 0, byClass: {} }, lastSeen: 0,
});

const CANARY = `kind: TrafficPolicy
service: reviews.default
subsets: { v1: { version: v1 }, v2: { version: v2 } }
routes:
  - backends: [{ subset: v1, weight: 90 }, { subset: v2, weight: 10 }]
`;

/** A bookinfo-like mesh with a canary and one NACKed proxy, plus `extra` filler services. */
function meshInput(extra: number): GraphInput {
  const loaded = loadPolicyDocuments([{ path: 'mesh.yaml', text: 'kind: Mesh\ntrustDomain: cluster.local\nmtls: strict\n' }, { path: 'reviews.yaml', text: CANARY }]);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
  const services = [svc('productpage', 'default'), svc('reviews', 'default'), svc('ratings', 'default'), svc('details', 'default'), svc('payments', 'shop')];
  for (let i = 0; i < extra; i++) services.push(svc(`svc-${String(i).padStart(3, '0')}`, `team-${i % 10}`));
  return {
    services, policy: loaded.policy,
    proxies: [proxy('productpage-1', 'default', 'productpage'), proxy('reviews-v1', 'default', 'reviews'), proxy('reviews-v2', 'default', 'reviews', 'reviews.yaml:5:5'),
      proxy('ratings-1', 'default', 'ratings'), proxy('details-1', 'default', 'details'), proxy('payments-1', 'shop', 'payments')],
    traffic: [edge('productpage', 'default', 'reviews.default', 'v1', 9, 0, 12.5), edge('productpage', 'default', 'reviews.default', 'v2', 1, 0.2, 48),
      edge('productpage', 'default', 'details.default', '', 10, 0, 4), edge('reviews', 'default', 'ratings.default', '', 6.2, 0, 3.1),
      edge('productpage', 'default', 'payments.shop', '', 0.5, 0, 20)],
  };
}

let app: FastifyInstance | undefined;
let base = '';
let input: GraphInput = meshInput(0);

describe('service map page in headless Chromium', () => {
  beforeAll(async () => {
    if (skip) return;
    mkdirSync(artefacts, { recursive: true });
    app = buildAdminApp({ view: { ...fakeView(), graph: () => buildGraph(input) }, metrics: new Registry() });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  const open = (width?: number, height?: number) => openPage(`${base}/ui`, width, height);

  it.skipIf(!!skip)(title('draws nodes by namespace, the canary weights, traffic edges and a NACK with its policy file:line'), async () => {
    input = meshInput(0);
    const { browser, page, failed } = await open();
    try {
      await page.waitForSelector('[data-testid="node"]');
      expect(await page.locator('[data-testid="node"]').count()).toBe(5);
      expect(await page.locator('.ns-label').allTextContents()).toEqual(['namespace default', 'namespace shop']);
      const subsets = await page.locator('[data-testid="subset"]').allTextContents();
      expect(subsets).toEqual(['v1  route 90%  seen 90%', 'v2  route 10%  seen 10%']);
      expect(await page.locator('[data-testid="traffic-edge"]').count()).toBe(4);
      expect(await page.locator('[data-testid="edge-label"]').allTextContents()).toContain('10 rps · 2% err · p99 48 ms');
      await expect.poll(() => page.locator('[data-testid="nack"]').allTextContents()).toEqual(['NACK RDS from reviews-v2 (reviews.default): route: invalid regex — policy reviews.yaml:5:5']);
      await page.locator('[data-testid="node"][data-id="reviews.default"]').click();
      expect(await page.locator('#detail').textContent()).toContain('mTLS strict, authz open');
      await page.screenshot({ path: path.join(artefacts, 'service-map.png') });
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it.skipIf(!!skip)(title('draws every one of 500 services, and the next poll picks up a change'), async () => {
    input = meshInput(495);
    const { browser, page, failed } = await open();
    try {
      await expect.poll(() => page.locator('[data-testid="node"]').count(), { timeout: 10_000 }).toBe(500);
      expect(await page.locator('.ns-label').count()).toBe(12);
      input = { ...input, traffic: [...input.traffic, edge('svc-000', 'team-0', 'svc-001.team-1', '', 3, 0, 1)] };
      await expect.poll(() => page.locator('[data-testid="traffic-edge"]').count(), { timeout: 10_000 }).toBe(5);
      await page.screenshot({ path: path.join(artefacts, 'service-map-500.png') });
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
