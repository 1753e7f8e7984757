/**
 * Kubernetes name syntax for registry fields, as the API server validates it
 * (k8s.io/apimachinery/pkg/util/validation): service accounts are DNS-1123 subdomains, label keys
 * are an optional DNS-1123 subdomain prefix and `/` followed by a qualified name, label values are
 * empty or a qualified name. A registry that holds a value Kubernetes could never hold (a service
 * account `x/../y` that becomes part of a SPIFFE ID, a label value with a newline) is refused.
 */

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why `v` is not a DNS-1123 subdomain (at most 253 characters), or undefined. */
export function dnsSubdomainProblem(v: string): string | undefined {
  if (v.length > 253) return 'is longer than 253 characters';
  if (!DNS_SUBDOMAIN.test(v)) return "is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and ending alphanumeric)";
  return undefined;
}

/** Why `key` is not a valid label key, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix === '' || dnsSubdomainProblem(prefix)) return 'has a prefix that is not a DNS-1123 subdomain';
  }
  return qualifiedNameProblem(name);
}

/** Why `value` is not a valid label value (empty is valid), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  return value === '' ? undefined : qualifiedNameProblem(value);
}

function qualifiedNameProblem(name: string): string | undefined {
  if (name.length > 63) return 'is longer than 63 characters';
  if (!QUALIFIED_NAME.test(name)) return "may hold only letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

/** True when `v` holds a control character (C0, DEL, C1) or a bidi control. */
export function hasControl(v: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(v);
}
