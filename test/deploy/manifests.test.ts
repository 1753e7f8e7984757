/**
 * The Kubernetes manifests under deploy/: they parse, use the right apiVersions, and their
 * references resolve (service account, roles, Secrets/ConfigMaps, selectors, named ports), for the
 * default install and for the git-sync variant. Secrets the operator creates must be documented
 * in docs/deploy.md with the `kubectl create secret` command that creates them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  API_VERSIONS, CLUSTER_SCOPED, checkBinding, checkDeployment, checkService, deployDir, loadObjects, matches, repo, yamlFiles, type K8sObject,
} from './manifests.js';

const kubeDir = path.join(deployDir, 'kubernetes');
const kubeFiles = yamlFiles(kubeDir);
const load = (files: string[]) => files.flatMap((f) => loadObjects(f).objects);
const base = (name: string) => path.join(kubeDir, name);
const installs: Record<string, string[]> = {
  default: ['rbac.yaml', 'policy-configmap.yaml', 'deployment.yaml', 'service.yaml'].map(base),
  'git-sync': ['rbac.yaml', 'service.yaml', 'variants/git-sync/deployment.yaml'].map(base),
};

/** Names in `kubectl create secret <type> <name>` / `kubectl create configmap <name>` lines of the docs. */
function documentedOperatorObjects(): Set<string> {
  const docs = readFileSync(path.join(repo, 'docs', 'deploy.md'), 'utf8');
  return new Set([...docs.matchAll(/kubectl\s+create\s+(?:secret\s+(?:generic|tls)|configmap)\s+([a-z0-9.-]+)/g)].map((m) => m[1]!));
}

describe('deploy/kubernetes manifests', () => {
  it('every file parses and every object has apiVersion, kind and metadata.name', () => {
    expect(kubeFiles.length).toBeGreaterThanOrEqual(5);
    const problems: string[] = [];
    for (const f of kubeFiles) {
      const { objects, problems: parse } = loadObjects(f);
      problems.push(...parse);
      if (objects.length === 0) problems.push(`${f}: no objects`);
      for (const o of objects) if (!o.apiVersion || !o.kind || !o.metadata?.name) problems.push(`${o.file}: object without apiVersion/kind/metadata.name`);
    }
    expect(problems).toEqual([]);
  });

  it('uses known kinds with their current apiVersions, namespaced objects in weft-system', () => {
    const problems = load(kubeFiles).flatMap((o) => {
      const want = API_VERSIONS[o.kind ?? ''];
      if (!want) return [`${o.file}: unexpected kind ${o.kind}`];
      const out = o.apiVersion === want ? [] : [`${o.file} ${o.kind}: apiVersion ${o.apiVersion}, want ${want}`];
      if (!CLUSTER_SCOPED.has(o.kind!) && o.metadata?.namespace !== 'weft-system') out.push(`${o.file} ${o.kind}/${o.metadata?.name}: not in weft-system`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('grants read-only discovery, route status, tokenreviews create, and in weft-system leases and the CA Secret only', () => {
    const objs = load([base('rbac.yaml')]);
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const rules = (kind: string) => objs.filter((o) => o.kind === kind).flatMap((o) => o['rules'] as Rule[]);
    const grants = (rs: Rule[], group: string, resource: string) => rs.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs).sort();
    const clusterRoles = objs.filter((o) => o.kind === 'ClusterRole');
    const cluster = clusterRoles.filter((o) => o.metadata?.name === 'weft').flatMap((o) => o['rules'] as Rule[]);
    const review = clusterRoles.filter((o) => o.metadata?.name === 'weft-token-review').flatMap((o) => o['rules'] as Rule[]);
    expect(review).toEqual([{ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }]);
    expect(clusterRoles.map((o) => o.metadata?.name).sort()).toEqual(['weft', 'weft-token-review']);
    expect(grants(cluster, '', 'services')).toEqual(['get', 'list', 'watch']);
    expect(grants(cluster, '', 'pods')).toEqual(['get', 'list', 'watch']);
    expect(grants(cluster, 'discovery.k8s.io', 'endpointslices')).toEqual(['get', 'list', 'watch']);
    for (const kind of ['httproutes', 'grpcroutes', 'referencegrants']) expect(grants(cluster, 'gateway.networking.k8s.io', kind)).toEqual(['get', 'list', 'watch']);
    expect(grants(cluster, 'gateway.networking.k8s.io', 'httproutes/status')).toEqual(['update']);
    expect(grants(cluster, 'gateway.networking.k8s.io', 'grpcroutes/status')).toEqual(['update']);
    // The only write in the ClusterRole is route status.
    expect(cluster.filter((r) => r.verbs.some((v) => !['get', 'list', 'watch'].includes(v))).flatMap((r) => r.resources).sort()).toEqual(['grpcroutes/status', 'httproutes/status']);
    expect(grants(rules('Role'), 'coordination.k8s.io', 'leases')).toEqual(['create', 'get', 'list', 'update']);
    // Secrets: create (RBAC cannot name what is created), and get and update of the CA Secret only.
    expect(rules('Role').filter((r) => r.resources.includes('secrets'))).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['weft-ca'], verbs: ['get', 'update'] },
    ]);
    expect(objs.filter((o) => o.kind === 'Role').map((o) => o.metadata?.namespace)).toEqual(['weft-system', 'weft-system']);
  });

  for (const [name, files] of Object.entries(installs)) {
    it(`${name} install: references between objects resolve`, () => {
      const objs = load(files);
      const operator = documentedOperatorObjects();
      const problems = [
        ...objs.filter((o) => o.kind === 'Deployment').flatMap((d) => checkDeployment(d as Parameters<typeof checkDeployment>[0], objs, operator)),
        ...objs.filter((o) => o.kind === 'Service').flatMap((s) => checkService(s, objs)),
        ...objs.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding').flatMap((b) => checkBinding(b, objs)),
      ];
      expect(problems).toEqual([]);
    });

    it(`${name} install: two replicas with probes and resources, and a PDB that selects them`, () => {
      const objs = load(files);
      const d = objs.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: Record<string, unknown>[] } } } };
      expect(d.spec.replicas).toBe(2);
      const weft = d.spec.template.spec.containers.find((c) => c['name'] === 'weft')!;
      expect(weft['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz' } });
      expect(weft['resources']).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
      const args = weft['args'] as string[];
      expect(args).toEqual(expect.arrayContaining(['serve', '--kubernetes', '--admin-host=0.0.0.0', '--ca-secret=weft-system/weft-ca', '--leader-election']));
      expect(weft['env']).toEqual(expect.arrayContaining([{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]));
      const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget') as K8sObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
      expect(pdb.spec.minAvailable).toBe(1);
      expect(matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
    });
  }

  it('the kustomization lists existing files, and every base file', () => {
    const k = load([base('kustomization.yaml')])[0] as K8sObject & { resources: string[] };
    for (const r of k.resources) expect(existsSync(base(r)), r).toBe(true);
    expect([...k.resources].sort()).toEqual(installs.default!.map((f) => path.basename(f)).sort());
  });

  it('the reference checks catch broken references', () => {
    const objs = load(installs.default!);
    const clone = <T>(v: T): T => structuredClone(v);
    const d = clone(objs.find((o) => o.kind === 'Deployment')!) as Parameters<typeof checkDeployment>[0];
    d.spec.template.spec.serviceAccountName = 'nobody';
    d.spec.template.spec.volumes!.push({ name: 'x', secret: { secretName: 'undocumented' } });
    const bad = checkDeployment(d, objs, new Set(['weft-admin', 'weft-ca']));
    expect(bad.some((p) => p.includes('serviceAccountName "nobody"'))).toBe(true);
    expect(bad.some((p) => p.includes('Secret undocumented'))).toBe(true);
    const svc = clone(objs.find((o) => o.kind === 'Service')!) as K8sObject & { spec: { ports: { targetPort: string }[]; selector: Record<string, string> } };
    svc.spec.ports[0]!.targetPort = 'grpc-nope';
    expect(checkService(svc, objs).join()).toContain('grpc-nope');
    svc.spec.selector = { app: 'other' };
    expect(checkService(svc, objs).join()).toContain('matches no Deployment');
    const rb = clone(objs.find((o) => o.kind === 'RoleBinding')!) as K8sObject & { roleRef: { name: string } };
    rb.roleRef.name = 'missing';
    expect(checkBinding(rb, objs).join()).toContain('Role/missing does not exist');
  });

  it('documents every operator-provided Secret with the command that creates it', () => {
    const operator = documentedOperatorObjects();
    for (const s of ['weft-ca', 'weft-admin']) expect(operator.has(s), s).toBe(true);
  });
});
