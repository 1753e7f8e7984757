/**
 * deploy/kubernetes/webhook.yaml statically: its references resolve, the webhook's args are
 * accepted by `weft webhook`'s own option parser, and the MutatingWebhookConfiguration has the
 * documented shape (opt-in selectors that never overlap, failurePolicy, sideEffects, timeout).
 * e2e/kube/webhook.test.ts registers the same configuration with a real API server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookCommand } from '../../src/cli/webhook.js';
import { checkDeployment, checkService, deployDir, loadObjects, repo, type K8sObject } from './manifests.js';

const objs = loadObjects(path.join(deployDir, 'kubernetes', 'webhook.yaml')).objects;
const operator = new Set([...readFileSync(path.join(repo, 'docs', 'deploy.md'), 'utf8').matchAll(/kubectl\s+create\s+secret\s+(?:generic|tls)\s+([a-z0-9.-]+)/g)].map((m) => m[1]!));
type Hook = {
  name: string; failurePolicy: string; sideEffects: string; timeoutSeconds: number; admissionReviewVersions: string[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number } };
  rules: { operations: string[]; resources: string[] }[];
  namespaceSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
  objectSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values: string[] }[] };
};
const config = objs.find((o) => o.kind === 'MutatingWebhookConfiguration') as K8sObject & { webhooks: Hook[] };

/** Whether a selector selects `labels` (matchLabels and In/NotIn/Exists/DoesNotExist). */
function selects(sel: Hook['namespaceSelector'], labels: Record<string, string>): boolean {
  const byLabel = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (sel.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    if (e.operator === 'In') return v !== undefined && e.values.includes(v);
    if (e.operator === 'NotIn') return v === undefined || !e.values.includes(v);
    return e.operator === 'Exists' ? v !== undefined : v === undefined;
  });
}

describe('deploy/kubernetes/webhook.yaml', () => {
  it('references between its objects resolve and its Secret is documented', () => {
    const problems = [
      ...objs.filter((o) => o.kind === 'Deployment').flatMap((d) => checkDeployment(d as Parameters<typeof checkDeployment>[0], objs, operator)),
      ...objs.filter((o) => o.kind === 'Service').flatMap((s) => checkService(s, objs)),
    ];
    expect(problems).toEqual([]);
    expect(operator.has('weft-webhook-tls')).toBe(true);
  });

  it("the container's args parse as weft webhook options", () => {
    const d = objs.find((o) => o.kind === 'Deployment') as K8sObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const [sub, ...args] = d.spec.template.spec.containers[0]!.args;
    expect(sub).toBe('webhook');
    const cmd = webhookCommand().exitOverride().action(() => undefined);
    cmd.parse(args, { from: 'user' });
    expect(cmd.opts()).toMatchObject({ tlsCert: '/etc/weft/webhook/tls.crt', port: 9443, sidecarMode: 'native' });
  });

  it('the webhooks are safe and point at the Service', () => {
    const svc = objs.find((o) => o.kind === 'Service')!;
    for (const h of config.webhooks) {
      expect(h).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'] });
      expect(h.timeoutSeconds).toBeLessThanOrEqual(10);
      expect(h.clientConfig.service).toEqual({ name: svc.metadata!.name, namespace: 'weft-system', path: '/inject', port: 443 });
      expect(h.rules).toEqual([expect.objectContaining({ operations: ['CREATE'], resources: ['pods'] })]);
    }
  });

  it('opts in by namespace or pod label, opts out by pod label, and sends no pod twice', () => {
    const table: [string, Record<string, string>, Record<string, string>, number][] = [
      ['labelled namespace', { 'weft.io/inject': 'enabled' }, {}, 1],
      ['labelled namespace, pod opted out', { 'weft.io/inject': 'enabled' }, { 'weft.io/inject': 'disabled' }, 0],
      ['labelled namespace, labelled pod', { 'weft.io/inject': 'enabled' }, { 'weft.io/inject': 'enabled' }, 1],
      ['plain namespace, labelled pod', {}, { 'weft.io/inject': 'enabled' }, 1],
      ['plain namespace, plain pod', {}, {}, 0],
      ['namespace opted out, labelled pod', { 'weft.io/inject': 'disabled' }, { 'weft.io/inject': 'enabled' }, 0],
      ['kube-system, labelled pod', { 'kubernetes.io/metadata.name': 'kube-system' }, { 'weft.io/inject': 'enabled' }, 0],
    ];
    for (const [name, ns, pod] of table) {
      const calls = config.webhooks.filter((h) => selects(h.namespaceSelector, ns) && selects(h.objectSelector, pod)).length;
      expect(calls, name).toBe(table.find((t) => t[0] === name)![3]);
    }
  });
});
