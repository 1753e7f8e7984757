/**
 * Real resources for the differential test of the compiled check: everything `translate()` emits
 * for seeded random meshes and proxies (test/translate/random-mesh.ts), split the way the
 * translator checks them (a route configuration without its virtual hosts, each virtual host on
 * its own), plus the typical resources of fixtures.ts (which include SDS secrets).
 */
import { messageNameOf } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { baseModel, randomChange, randomProxy, rng } from '../translate/random-mesh.js';
import * as fx from './fixtures.js';

/** One resource to check: its message type's full name and the object. */
export interface Sample { readonly type: string; readonly obj: object }

const routeConfiguration = 'envoy.config.route.v3.RouteConfiguration';

/** Distinct (by identity) resources of `steps` translations of seed `seed`'s random sequence. */
export function translatedResources(seed: number, steps: number): Sample[] {
  const r = rng(seed);
  const cache = new TranslationCache();
  const seen = new Set<object>();
  const out: Sample[] = [];
  const add = (type: string, obj: object) => {
    if (!seen.has(obj)) { seen.add(obj); out.push({ type, obj }); }
  };
  let model = baseModel();
  for (let i = 0; i < steps; i++) {
    if (r() < 0.3) model = randomChange(model, r);
    const proxy = randomProxy(r);
    const result = translate({ model, proxy, cache, ...(r() < 0.3 ? { ownSecretName: proxy.identity } : {}) });
    for (const [url, list] of result.resources) {
      for (const { message } of list) {
        const type = messageNameOf(url);
        if (type !== routeConfiguration) { add(type, message); continue; }
        const { virtual_hosts: hosts, ...top } = message as { virtual_hosts?: object[] };
        add(type, top);
        for (const vh of hosts ?? []) add('envoy.config.route.v3.VirtualHost', vh);
      }
    }
  }
  for (const [, type, build] of fx.typicalResources) add(type, build());
  return out;
}
