/**
 * `planPod`, the one function that decides a pod's injection (shared by `weft inject` and the
 * admission webhook): the native-sidecar layout, switching layouts, probe rewriting and its
 * reversal, and the differential claim that applying the plan as JSON Patch (the webhook's way)
 * yields the same pod as `weft inject`'s YAML editing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  AGENT_NAME, BOOTSTRAP_ANNOTATION, CA_BUNDLE_ANNOTATION, DEFAULT_OPTIONS, INIT_NAME, POD_PATHS, PROBES_ANNOTATION, SIDECAR_NAME, applyPatch, injectManifests, planPod,
  type InjectOptions, type PodObject,
} from '../../src/inject/index.js';
import { TEST_OPTIONS } from './inject-options.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../testdata/inject');

const pod = (spec: Record<string, unknown>, annotations?: Record<string, string>): PodObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop', ...(annotations ? { annotations } : {}) }, spec,
});
const app = { name: 'app', image: 'a', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 3 } };

function inject(p: PodObject, o: InjectOptions = TEST_OPTIONS): PodObject {
  const plan = planPod(p, 'Pod/web', 'shop', o);
  expect(plan.findings.filter((f) => f.severity === 'error')).toEqual([]);
  return applyPatch(p, plan.ops);
}
const names = (list: unknown) => (list as { name: string }[] | undefined)?.map((c) => c.name);

describe('planPod', () => {
  it('nativeSidecarRunsFirstAfterIptablesAndBeforeThePodsOwnInitContainers', () => {
    const out = inject(pod({ initContainers: [{ name: 'migrate', image: 'm' }], containers: [app] }));
    expect(names(out.spec!.initContainers)).toEqual([INIT_NAME, AGENT_NAME, SIDECAR_NAME, 'migrate']);
    expect(names(out.spec!.containers)).toEqual(['app']);
    const proxy = (out.spec!.initContainers as Record<string, any>[])[2]!;
    expect(proxy.restartPolicy).toBe('Always');
    expect(proxy.startupProbe.httpGet).toEqual({ path: '/stats/prometheus?filter=server.live', port: 15090 });
  });

  it('plansNothingForAnInjectedPod', () => {
    const once = inject(pod({ containers: [app] }));
    expect(planPod(once, 'Pod/web', 'shop', TEST_OPTIONS).ops).toEqual([]);
  });

  it('plansNothingForAnInjectedPodTheApiServerDefaulted', () => {
    const once = inject(pod({ containers: [app] })) as Record<string, any>;
    // What the API server adds when it stores the pod (defaulting), and a probe's default scheme.
    for (const c of [...once.spec.initContainers, ...once.spec.containers]) {
      Object.assign(c, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
      for (const probe of ['readinessProbe', 'startupProbe', 'livenessProbe']) if (c[probe]) Object.assign(c[probe], { successThreshold: 1 }, c[probe].httpGet ? { httpGet: { ...c[probe].httpGet, scheme: 'HTTP' } } : {});
    }
    once.spec.volumes.find((v: { name: string }) => v.name === 'weft-token').projected.defaultMode = 420;
    expect(planPod(once, 'Pod/web', 'shop', TEST_OPTIONS).ops).toEqual([]);
    const defaulted = pod({ containers: [{ ...app, readinessProbe: { ...app.readinessProbe, httpGet: { ...app.readinessProbe.httpGet, scheme: 'HTTP' } } }] });
    expect(inject(defaulted).metadata!.annotations).toEqual(inject(pod({ containers: [app] })).metadata!.annotations);
  });

  it('movesTheProxyBetweenLayoutsWhenTheModeChanges', () => {
    const legacy = inject(pod({ containers: [app] }), { ...TEST_OPTIONS, sidecarMode: 'container' });
    expect(names(legacy.spec!.containers)).toEqual(['app', SIDECAR_NAME]);
    expect(names(legacy.spec!.initContainers)).toEqual([INIT_NAME, AGENT_NAME]);
    const native = inject(legacy);
    expect(names(native.spec!.containers)).toEqual(['app']);
    expect(names(native.spec!.initContainers)).toEqual([INIT_NAME, AGENT_NAME, SIDECAR_NAME]);
    expect(native).toEqual(inject(pod({ containers: [app] })));
    const back = inject(native, { ...TEST_OPTIONS, sidecarMode: 'container' });
    expect(back).toEqual(legacy);
  });

  it('rewritesAnHttpProbeAndRestoresItWhenRewritingIsTurnedOff', () => {
    const rewritten = inject(pod({ containers: [app] }));
    const probe = (rewritten.spec!.containers as Record<string, any>[])[0]!.readinessProbe;
    expect(probe).toEqual({ httpGet: { path: '/app-health/app/readyz', port: 15020 }, periodSeconds: 3 });
    const annotations = rewritten.metadata!.annotations as Record<string, string>;
    expect(JSON.parse(annotations[PROBES_ANNOTATION]!)).toEqual({ 'app/readinessProbe': { path: '/ready', port: 'http' } });
    const route = JSON.parse(annotations[BOOTSTRAP_ANNOTATION]!).static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0];
    expect(route).toEqual({ match: { path: '/app-health/app/readyz' }, route: { cluster: 'probe|8080', prefix_rewrite: '/ready', timeout: '1s' } });
    const restored = inject(rewritten, { ...TEST_OPTIONS, rewriteProbes: false });
    expect((restored.spec!.containers as Record<string, any>[])[0]!.readinessProbe).toEqual(app.readinessProbe);
    expect(restored.metadata!.annotations).not.toHaveProperty([PROBES_ANNOTATION]);
    expect(JSON.parse((restored.metadata!.annotations as Record<string, string>)[BOOTSTRAP_ANNOTATION]!).static_resources.listeners).toBeUndefined();
  });

  it('switchesBetweenTokenAndSecretIdentity', () => {
    const token = inject(pod({ containers: [app] }));
    const volumes = token.spec!.volumes as Record<string, any>[];
    expect(volumes.find((v) => v.name === 'weft-token')!.projected.sources[0].serviceAccountToken).toEqual({ audience: 'weft', expirationSeconds: 3600, path: 'token' });
    expect(volumes.find((v) => v.name === 'weft-certs')!.emptyDir).toEqual({ medium: 'Memory', sizeLimit: '1Mi' });
    expect((token.metadata!.annotations as Record<string, string>)[CA_BUNDLE_ANNOTATION]).toBe(TEST_OPTIONS.caBundle);
    const secret = inject(token, { ...TEST_OPTIONS, identity: 'secret' });
    expect(names(secret.spec!.initContainers)).toEqual([INIT_NAME, SIDECAR_NAME]);
    expect(names(secret.spec!.volumes)).toEqual(['weft-bootstrap', 'weft-certs']);
    expect((secret.spec!.volumes as Record<string, any>[])[1]!.secret.secretName).toBe('weft-bootstrap-default');
    expect(secret.metadata!.annotations).not.toHaveProperty([CA_BUNDLE_ANNOTATION]);
    expect(inject(secret)).toEqual(token);
  });

  it('refusesTokenIdentityWithoutATrustBundle', () => {
    const plan = planPod(pod({ containers: [app] }), 'Pod/web', 'shop', DEFAULT_OPTIONS);
    expect(plan.findings.map((f) => f.code)).toEqual(['WEFT7008']);
    expect(plan.ops).toEqual([]);
  });

  it('createsMetadataAndListsThatAreAbsent', () => {
    const out = inject({ spec: { containers: [{ name: 'app', image: 'a' }] } });
    expect(Object.keys(out.metadata!.annotations as object)).toEqual([BOOTSTRAP_ANNOTATION, CA_BUNDLE_ANNOTATION]);
    expect(names(out.spec!.volumes)).toEqual(['weft-bootstrap', 'weft-certs', 'weft-token']);
  });

  it('skipsAnOptedOutPodAndReportsMissingContainers', () => {
    expect(planPod(pod({ containers: [app] }, { 'weft.io/inject': 'false' }), 'Pod/web', 'shop', TEST_OPTIONS)).toMatchObject({ skip: 'annotated weft.io/inject: "false"', ops: [] });
    expect(planPod(pod({ containers: 'nope' }), 'Pod/web', 'shop', TEST_OPTIONS).findings.map((f) => f.code)).toEqual(['WEFT7002']);
    expect(planPod({ spec: null }, 'Pod/web', 'shop', TEST_OPTIONS).findings.map((f) => f.code)).toEqual(['WEFT7002']);
  });
});

describe('the JSON Patch and the YAML editing agree', () => {
  const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml'));
  for (const file of cases) {
    it(`${file}: every workload's pod after weft inject equals the input pod with the plan applied`, () => {
      const name = file.slice(0, -'.in.yaml'.length);
      let o: InjectOptions = TEST_OPTIONS;
      try {
        o = { ...o, ...(JSON.parse(readFileSync(path.join(dir, `${name}.options.json`), 'utf8')) as Partial<InjectOptions>) };
      } catch { /* no options file */ }
      const input = readFileSync(path.join(dir, file), 'utf8');
      const before = parseAllDocuments(input).map((d) => d.toJS() as Record<string, any>);
      const after = parseAllDocuments(injectManifests(input, file, o).text).map((d) => d.toJS() as Record<string, any>);
      let compared = 0;
      before.forEach((doc, i) => {
        const prefix = POD_PATHS[doc?.kind];
        if (!prefix) return;
        const at = (v: Record<string, any>) => prefix.reduce((x, k) => x?.[k], v) as PodObject;
        const plan = planPod(at(doc), `${doc.kind}/${doc.metadata.name}`, doc.metadata.namespace ?? o.namespace, o);
        expect(at(after[i]!)).toEqual(plan.skip ? at(doc) : applyPatch(at(doc), plan.ops));
        compared++;
      });
      expect(compared).toBeGreaterThan(0);
    });
  }
});
