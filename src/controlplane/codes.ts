/**
 * The code table of the control plane (`WEFT6xxx`: applying a change to the running control plane).
 * src/common/diagnostics.ts describes the model; docs/diagnostics.md is generated from this table.
 */
import type { CodeTable } from '../common/index.js';

export const ControlPlaneCodes = {
  trustDomainChange: {
    code: 'WEFT6001', severity: 'error',
    summary: 'The policy\'s `trustDomain` differs from the CA\'s; the change is rejected and the last good policy keeps serving.',
    action: 'Keep the trust domain, or restart weft with a CA for the new one.',
  },
  exchangeBadRequest: {
    code: 'WEFT6101', severity: 'error',
    summary: 'A bootstrap-certificate exchange request is not `{"token": "<ServiceAccount token>"}` JSON (optionally with `namespace` and `serviceAccount`).',
    action: 'Run `weft agent` (the injected init container) rather than calling the endpoint by hand, or send the documented body.',
  },
  exchangeUnauthenticated: {
    code: 'WEFT6102', severity: 'error',
    summary: 'The API server did not authenticate the token (expired, revoked, its pod deleted, or not a token of this cluster).',
    action: 'Use the pod\'s projected token (audience `weft`); the kubelet refreshes it, so a restarted pod gets a fresh one.',
  },
  exchangeWrongAudience: {
    code: 'WEFT6103', severity: 'error',
    summary: 'The token is not for weft: its audiences do not include weft\'s (`--token-audience`, default `weft`).',
    action: 'Project the ServiceAccount token with `audience: weft` (as `weft inject` does); never send the default API token.',
  },
  exchangeForbidden: {
    code: 'WEFT6104', severity: 'error',
    summary: 'The token authenticates someone other than the identity asked for, or no ServiceAccount at all: a pod gets only its own namespace and ServiceAccount\'s identity.',
    action: 'Ask for the pod\'s own namespace and ServiceAccount (or for none: the identity follows the token).',
  },
  exchangeRateLimited: {
    code: 'WEFT6105', severity: 'error',
    summary: 'Too many exchange requests (from this client, or TokenReviews in flight); retry after the `Retry-After` seconds.',
    action: 'Nothing for a pod: `weft agent` retries with backoff. Many at once means many pods start together; raise `--token-exchange-rate` if that is normal.',
  },
  exchangeReviewFailed: {
    code: 'WEFT6106', severity: 'error',
    summary: 'The TokenReview call to the API server failed (unreachable, or weft lacks `create` on `tokenreviews`).',
    action: 'Check weft\'s RBAC (deploy/kubernetes/rbac.yaml grants tokenreviews create) and its connection to the API server.',
  },
  notLeader: {
    code: 'WEFT6110', severity: 'error',
    summary: 'A once-only task (a root rotation step) was asked of a weft replica that does not hold the leader-election Lease; nothing changed.',
    action: 'Ask the leader: `kubectl get lease -n weft-system weft-leader` names it (holderIdentity is its pod); or retry once this replica leads (`weft_leader` is 1).',
  },
  caSecretUnreachable: {
    code: 'WEFT6111', severity: 'error',
    summary: 'weft could not read or create the CA root Secret (`--ca-secret`) at start: the API server refused (RBAC) or did not answer; weft does not start.',
    action: 'Check weft\'s RBAC (deploy/kubernetes/rbac.yaml grants get and create on that one Secret in weft-system) and its connection to the API server.',
  },
  caSecretUnusable: {
    code: 'WEFT6112', severity: 'error',
    summary: 'The CA root Secret (`--ca-secret`) exists but holds no usable CA: `tls.crt` or `tls.key` missing, or not a CA certificate with its key.',
    action: 'Delete the Secret so the first replica creates a new root (every proxy then needs new bootstrap certificates), or put the mesh root\'s certificate and key in it.',
  },
  rotationConflict: {
    code: 'WEFT6113', severity: 'error',
    summary: 'A root rotation step could not be stored in the CA Secret (another writer changed it in between, or the write failed); the step was dropped and the Secret\'s state keeps serving.',
    action: 'Retry the step (`POST /api/v1/ca/rotation`) on the leader; check that only weft writes the Secret and that weft may update it (rbac.yaml).',
  },
  gatewayRefused: {
    code: 'WEFT6115', severity: 'error',
    summary: 'An xDS stream refused as an ingress gateway: its node says `weft_kind: gateway` on the plaintext port (a gateway needs private keys, never sent there), with a `gateway` that is not `<namespace>/<name>`, or naming a Gateway of another namespace than its client certificate\'s.',
    action: 'Connect the gateway to the mTLS port with a bootstrap certificate of the Gateway\'s namespace and service account (`weft bootstrap --kind gateway --gateway NS/NAME --namespace NS --service-account SA`).',
  },
  gatewayCertificate: {
    code: 'WEFT6116', severity: 'error',
    summary: 'A certificate a Gateway listener refers to could not be served: the CertificateFile\'s tls.crt or tls.key is missing, unreadable, not PEM, or the key does not match the certificate; the Secret is missing, not of type kubernetes.io/tls, or without tls.crt and tls.key. Its filter chain waits for it (Envoy keeps it warming), other listeners serve.',
    action: 'Put tls.crt and tls.key in <gateway-certs dir>/<namespace>/<name>/, or create the kubernetes.io/tls Secret.',
  },
  gatewayCertsDir: {
    code: 'WEFT6117', severity: 'error',
    summary: '`weft serve --gateway-certs DIR` names a directory that does not exist or cannot be read.',
    action: 'Create the directory (mode 0700) or fix the path.',
  },
} as const satisfies CodeTable;
