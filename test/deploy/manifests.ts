/**
 * Loading and cross-checking the Kubernetes manifests under deploy/ for the tests: every object
 * with the file it came from, and reference checks between objects (which return the list of
 * problems, so a failing test names all of them at once).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const deployDir = path.join(repo, 'deploy');

export interface K8sObject {
  readonly file: string;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  readonly [key: string]: unknown;
}

export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

/** Every non-empty document of a file; parse errors are returned as problems. */
export function loadObjects(file: string): { objects: K8sObject[]; problems: string[] } {
  const rel = path.relative(repo, file);
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [];
  const problems = list.flatMap((d) => d.errors.map((e) => `${rel}: ${e.message}`));
  const objects = list.map((d) => d.toJS() as Record<string, unknown> | null).filter((v): v is Record<string, unknown> => v !== null)
    .map((v) => ({ ...v, file: rel }) as K8sObject);
  return { objects, problems };
}

export const API_VERSIONS: Readonly<Record<string, string>> = {
  Namespace: 'v1', ServiceAccount: 'v1', Service: 'v1', ConfigMap: 'v1', Secret: 'v1',
  Deployment: 'apps/v1', PodDisruptionBudget: 'policy/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1', ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1', RoleBinding: 'rbac.authorization.k8s.io/v1',
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io/v1',
};
export const CLUSTER_SCOPED: ReadonlySet<string> = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'Kustomization', 'MutatingWebhookConfiguration']);

const find = (objs: readonly K8sObject[], kind: string, name: string, ns?: string) =>
  objs.find((o) => o.kind === kind && o.metadata?.name === name && (ns === undefined || o.metadata?.namespace === ns));

interface PodSpecJson {
  serviceAccountName?: string;
  containers?: ContainerJson[];
  initContainers?: ContainerJson[];
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
}
interface ContainerJson {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string }; configMapKeyRef?: { name: string } } }[];
  volumeMounts?: { name: string }[];
  [probe: string]: unknown;
}
type DeploymentJson = K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpecJson } } };

export const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Secrets and ConfigMaps a Deployment refers to, by kind. */
export function referencedConfig(d: DeploymentJson): { secrets: string[]; configMaps: string[] } {
  const spec = d.spec.template.spec;
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  const env = containers.flatMap((c) => c.env ?? []);
  return {
    secrets: [...(spec.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : [])), ...env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : []))],
    configMaps: [...(spec.volumes ?? []).flatMap((v) => (v.configMap ? [v.configMap.name] : [])), ...env.flatMap((e) => (e.valueFrom?.configMapKeyRef ? [e.valueFrom.configMapKeyRef.name] : []))],
  };
}

/** Problems with the references inside one Deployment and from it to the other objects. */
export function checkDeployment(d: DeploymentJson, objs: readonly K8sObject[], operatorProvided: ReadonlySet<string>): string[] {
  const at = `${d.file} Deployment/${d.metadata?.name}`;
  const ns = d.metadata?.namespace;
  const spec = d.spec.template.spec;
  const problems: string[] = [];
  if (!matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels)) problems.push(`${at}: selector does not match the pod template labels`);
  if (!spec.serviceAccountName || !find(objs, 'ServiceAccount', spec.serviceAccountName, ns)) problems.push(`${at}: serviceAccountName "${spec.serviceAccountName}" does not exist`);
  const { secrets, configMaps } = referencedConfig(d);
  for (const s of secrets) if (!find(objs, 'Secret', s, ns) && !operatorProvided.has(s)) problems.push(`${at}: Secret ${s} neither exists nor is documented as operator-provided`);
  for (const c of configMaps) if (!find(objs, 'ConfigMap', c, ns) && !operatorProvided.has(c)) problems.push(`${at}: ConfigMap ${c} neither exists nor is documented as operator-provided`);
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`${at}: container ${c.name} mounts undeclared volume ${m.name}`);
    const portNames = new Set((c.ports ?? []).flatMap((p) => (p.name ? [p.name] : [])));
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const port = (c[probe] as { httpGet?: { port: unknown } } | undefined)?.httpGet?.port;
      if (typeof port === 'string' && !portNames.has(port)) problems.push(`${at}: ${probe} of ${c.name} names unknown port ${port}`);
    }
  }
  return problems;
}

/** Service selectors select some Deployment's pods and named target ports exist on them. */
export function checkService(s: K8sObject, objs: readonly K8sObject[]): string[] {
  const spec = s['spec'] as { selector: Record<string, string>; ports: { name: string; targetPort: number | string }[] };
  const at = `${s.file} Service/${s.metadata?.name}`;
  const pods = objs.filter((o): o is DeploymentJson => o.kind === 'Deployment' && o.metadata?.namespace === s.metadata?.namespace)
    .filter((d) => matches(spec.selector, d.spec.template.metadata.labels));
  if (pods.length === 0) return [`${at}: selector matches no Deployment's pods`];
  const problems: string[] = [];
  for (const p of spec.ports) {
    if (typeof p.targetPort !== 'string') continue;
    for (const d of pods) {
      const names = (d.spec.template.spec.containers ?? []).flatMap((c) => (c.ports ?? []).map((x) => x.name));
      if (!names.includes(p.targetPort)) problems.push(`${at}: port ${p.name} targets "${p.targetPort}", not a container port of ${d.metadata?.name}`);
    }
  }
  return problems;
}

/** Role bindings: the role exists (right kind) and every ServiceAccount subject exists. */
export function checkBinding(b: K8sObject, objs: readonly K8sObject[]): string[] {
  const at = `${b.file} ${b.kind}/${b.metadata?.name}`;
  const ref = b['roleRef'] as { apiGroup: string; kind: string; name: string };
  const subjects = b['subjects'] as { kind: string; name: string; namespace?: string }[];
  const problems: string[] = [];
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') problems.push(`${at}: roleRef.apiGroup is ${ref.apiGroup}`);
  if (b.kind === 'ClusterRoleBinding' && ref.kind !== 'ClusterRole') problems.push(`${at}: a ClusterRoleBinding must refer to a ClusterRole`);
  const ns = ref.kind === 'Role' ? b.metadata?.namespace : undefined;
  if (!find(objs, ref.kind, ref.name, ns)) problems.push(`${at}: roleRef ${ref.kind}/${ref.name} does not exist`);
  for (const s of subjects) {
    if (s.kind !== 'ServiceAccount') continue;
    if (!find(objs, 'ServiceAccount', s.name, s.namespace ?? b.metadata?.namespace)) problems.push(`${at}: subject ServiceAccount ${s.namespace}/${s.name} does not exist`);
  }
  return problems;
}
