/**
 * The code table of `weft inject` (`WEFT7xxx`: problems in the input manifests).
 * src/common/diagnostics.ts describes the model; docs/diagnostics.md is generated from this table.
 * A YAML syntax error is the policy module's WEFT1001, held here by reference (until 2026-12 it was
 * WEFT7001, now its documented alias).
 */
import type { CodeTable } from '../common/index.js';
import { PolicyCodes } from '../policy/index.js';

export const InjectCodes = {
  invalidYaml: PolicyCodes.yamlSyntax,
  noPodSpec: { code: 'WEFT7002', severity: 'error', summary: 'A workload has no pod spec with containers.', action: 'Pass Deployments, StatefulSets, DaemonSets, Jobs or Pods with containers.' },
  hostNetwork: {
    code: 'WEFT7003', severity: 'warning',
    summary: '`hostNetwork: true`: the workload is not injected (its interception rules would change the node\'s own network).',
    action: 'Run the workload off the host network to put it in the mesh.',
  },
  probeRedirected: {
    code: 'WEFT7004', severity: 'warning',
    summary: 'An application probe stays on an intercepted port and cannot be rewritten to the sidecar\'s probe listener (HTTPS, gRPC, TCP, or a named port no container defines): it fails under strict mTLS, or (TCP) always succeeds.',
    action: 'Use a plain httpGet probe, or serve the probe on its own port, excluded from interception.',
  },
  sidecarPort: { code: 'WEFT7006', severity: 'error', summary: 'An application container uses a port the sidecar owns (15000, 15001, 15006, 15020, 15090).', action: 'Move the application to another port.' },
  noTrustBundle: {
    code: 'WEFT7008', severity: 'error',
    summary: 'Token identity (the default) needs the mesh trust bundle, which `weft agent` checks the token exchange against; none was given.',
    action: 'Pass --ca-bundle with the CA certificate weft signs with (the weft-ca Secret\'s tls.crt), or --identity secret for operator-made bootstrap Secrets.',
  },
  badReview: {
    code: 'WEFT7101', severity: 'error',
    summary: 'The admission webhook received a body that is not an AdmissionReview v1 request (bad JSON, another apiVersion or kind, no request.uid).',
    action: 'Point only a MutatingWebhookConfiguration with admissionReviewVersions: [v1] at the webhook (deploy/kubernetes/webhook.yaml).',
  },
  podRejected: {
    code: 'WEFT7102', severity: 'error',
    summary: 'The admission webhook denied a Pod it was asked to inject and cannot (the errors of `weft inject`: a sidecar port, an identity that is no SPIFFE ID, no containers).',
    action: 'Fix the pod as the message says, or opt it out with the label or annotation weft.io/inject: "disabled"/"false".',
  },
  badIdentity: { code: 'WEFT7007', severity: 'error', summary: 'The namespace and service account do not form a SPIFFE ID.', action: 'Use DNS-1123 names for the namespace and the service account.' },
} as const satisfies CodeTable;
