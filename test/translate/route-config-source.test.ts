/**
 * A NACKed route configuration is reported at a policy position (`weft status`): the reconciler
 * maps each resource's `source`; route configurations carry the position of their first regex
 * route, else of their first route from policy.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TypeUrl } from '../../proto/type-urls.js';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';

const routeConfigs = (name: string) => {
  const { model, proxy } = loadCase(path.resolve(import.meta.dirname, `../../testdata/translate/${name}.in.yaml`));
  const out = translate({ model, proxy, cache: new TranslationCache() });
  return new Map(out.resources.get(TypeUrl.RouteConfiguration)!.map((r) => [r.name, r.source]));
};

describe('route configuration sources', () => {
  const sources = routeConfigs('bookinfo');

  it('routeConfigWithRegexRouteIsReportedAtThatRoute', () => {
    // bookinfo.in.yaml line 48 is the reviews route matching `^/api/v[0-9]+/.*`.
    expect(sources.get('outbound|9080')).toEqual({ file: 'bookinfo.in.yaml', line: 48, col: 9 });
  });

  it('routeConfigWithoutRegexIsReportedAtItsFirstPolicyRoute', () => {
    // streams.in.yaml line 21 is web.shop's first route (`/events`), ahead of three more.
    expect(routeConfigs('streams').get('outbound|8080')).toEqual({ file: 'streams.in.yaml', line: 21, col: 9 });
  });

  it('routeConfigOfDefaultRoutesOnlyHasNoSource', () => {
    expect(sources.has('outbound|9090')).toBe(true);
    expect(sources.get('outbound|9090')).toBeUndefined();
  });
});
