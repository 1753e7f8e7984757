/**
 * The text of weft's SPIFFE IDs (DESIGN.md §3), written once for every module: the CA (which
 * also parses and validates IDs, src/ca/spiffe-id.ts) and translate (SAN matchers, RBAC
 * principals), which may not import the CA. Unchecked: for values already validated.
 */

/** The URI scheme of every SPIFFE ID, with its `//`. */
export const SPIFFE_SCHEME = 'spiffe://';

/** `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`, a workload's identity. */
export function workloadIdText(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${SPIFFE_SCHEME}${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** `spiffe://<trust-domain>`, the ID of a trust domain itself (a CA certificate's URI SAN). */
export function trustDomainIdText(trustDomain: string): string {
  return `${SPIFFE_SCHEME}${trustDomain}`;
}

/** `spiffe://<trust-domain>/`: every workload ID of the trust domain starts with it. */
export function trustDomainPrefix(trustDomain: string): string {
  return `${SPIFFE_SCHEME}${trustDomain}/`;
}

/** `spiffe://<trust-domain>/ns/<namespace>/sa/`: every workload ID of the namespace starts with it. */
export function namespacePrefix(trustDomain: string, namespace: string): string {
  return `${SPIFFE_SCHEME}${trustDomain}/ns/${namespace}/sa/`;
}
