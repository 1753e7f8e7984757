/**
 * A route header `present: false` must mean "absent" for every client weft serves: Envoy, and
 * grpc-js-xds, whose own matcher (build/src/route.js) ignores the value of `present_match` and
 * would read `present_match: false` as "present". The generated HeaderMatchers are run through
 * grpc-js-xds's predicate itself.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Metadata } from '@grpc/grpc-js';
import { TypeUrl } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { buildModel } from './fixture.js';

const route = createRequire(import.meta.url)('@grpc/grpc-js-xds/build/src/route.js') as {
  getPredicateForHeaderMatcher(m: unknown): { apply(method: string, md: Metadata): boolean };
};

function headerMatchers(): { name: string }[] {
  const { model, proxy } = buildModel({
    registry: [{ name: 'echo', namespace: 'default', ports: [{ name: 'grpc', port: 7070, protocol: 'grpc' }], endpoints: [{ address: '10.0.0.1' }] }],
    traffic: [{ service: 'echo.default', routes: [{ match: { headers: { 'x-opt-out': { present: false } } }, backends: [{ weight: 100 }] }] }],
    proxy: { kind: 'grpc', namespace: 'default', serviceAccount: 'client' },
  });
  const r = translate({ model, proxy, cache: new TranslationCache() });
  const rc = (r.resources.get(TypeUrl.RouteConfiguration) ?? [])[0]!.message as any;
  return rc.virtual_hosts[0].routes[0].match.headers;
}

describe('route header present: false on gRPC clients', () => {
  // grpc-js-xds reads decoded messages, whose oneof names the field that is set.
  const decoded = (m: Record<string, unknown>) => ({ ...m, header_match_specifier: Object.keys(m).find((k) => k.endsWith('_match') && k !== 'invert_match') });
  const verdicts = (m: Record<string, unknown>): boolean[] => {
    const p = route.getPredicateForHeaderMatcher(decoded(m));
    const withIt = new Metadata();
    withIt.set('x-opt-out', '1');
    return [p.apply('/svc/M', new Metadata()), p.apply('/svc/M', withIt)];
  };

  it('matches only calls without the header, by grpc-js-xds\'s own matcher', () => {
    const [m] = headerMatchers();
    expect(verdicts(m as Record<string, unknown>)).toEqual([true, false]);
  });

  it('(the spelling it replaces, present_match: false, matched the opposite on gRPC)', () => {
    expect(verdicts({ name: 'x-opt-out', present_match: false })).toEqual([false, true]);
  });
});
