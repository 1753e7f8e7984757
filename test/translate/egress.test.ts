/**
 * ExternalService AccessPolicies are decided at the caller's sidecar from its identity, so proxies
 * of one namespace and mode get different outbound parts when their identities are treated
 * differently; one shared cache must never hand one the other's.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { TypeUrl } from '../../proto/type-urls.js';
import { loadGoldenCase } from './golden-case.js';

const dir = path.resolve(import.meta.dirname, '../../testdata/golden/egress-registry-only');

type Chain = { name?: string; filters: { typed_config: { cluster?: string } }[] };
/** The cluster the 443 listener's SNI chain for partner.example.org sends to. */
function partnerCluster(result: ReturnType<typeof translate>): string | undefined {
  const l = result.resources.get(TypeUrl.Listener)!.find((r) => r.name === '0.0.0.0_443')!.message as { filter_chains: Chain[] };
  return l.filter_chains.find((c) => c.name?.includes('partner.example.org'))?.filters[0]!.typed_config.cluster;
}

describe('external service access at the caller', () => {
  it('sends the refused caller to the black hole and another identity of the same namespace to the service, through one cache', async () => {
    const c = await loadGoldenCase(dir);
    const other = { ...c.proxy, id: 'batch-1', serviceAccount: 'batch', identity: 'spiffe://cluster.local/ns/shop/sa/batch' };
    const cache = new TranslationCache();
    for (let round = 0; round < 2; round++) {
      expect(partnerCluster(translate({ model: c.model, proxy: c.proxy, cache }))).toBe('BlackHoleCluster');
      expect(partnerCluster(translate({ model: c.model, proxy: other, cache }))).toBe('external|443|partner.example.org');
    }
  });
});
