/**
 * The code table of the discovery module (`WEFT3xxx`; src/common/diagnostics.ts describes the model).
 * The problems a registry file shares with a policy file (YAML syntax, an empty file, unknown field,
 * wrong type, missing field, unreadable, refused or too large a file) are the policy module's
 * entries, held here by reference: one concept, one code. Until 2026-12 the registry reported them
 * as WEFT3001 (syntax and empty), WEFT3002, WEFT3003, WEFT3004, WEFT3012 and WEFT3013 (refused and
 * too large); those are listed as former codes of the shared ones (never reused).
 * docs/diagnostics.md is generated from this table.
 */
import type { CodeTable } from '../common/index.js';
import { PolicyCodes } from '../policy/index.js';

export const RegistryCodes = {
  syntax: PolicyCodes.yamlSyntax,
  emptyFile: PolicyCodes.emptyFile,
  unknownField: PolicyCodes.unknownField,
  wrongType: PolicyCodes.wrongType,
  missingField: PolicyCodes.missingField,
  invalidValue: {
    code: 'WEFT3005', severity: 'error',
    summary: 'A value outside its set: `protocol` (http, http2, grpc, tcp), `health` (healthy, unhealthy, draining), a name that is not a DNS label, a `serviceAccount` that is not a DNS-1123 subdomain, a `region`, `zone` or `instance` with control characters.',
    action: 'Use one of the values, or the name syntax, the message gives.',
  },
  duplicateService: { code: 'WEFT3006', severity: 'error', summary: 'The same `<name>.<namespace>` twice; the message names the first definition.', action: 'Merge the two service entries.' },
  duplicatePort: { code: 'WEFT3007', severity: 'error', summary: 'Two ports of one service with the same name or number.', action: 'Give each port its own name and number.' },
  duplicateEndpoint: { code: 'WEFT3008', severity: 'error', summary: 'Two endpoints of a service with the same address serving the same ports.', action: 'Remove the duplicate endpoint.' },
  invalidAddress: { code: 'WEFT3009', severity: 'error', summary: 'An address that is not an IPv4 or IPv6 literal (hostnames are not accepted), or one repeated in `addresses`.', action: 'Write the IP address of the endpoint.' },
  portOutOfRange: { code: 'WEFT3010', severity: 'error', summary: 'A port outside 1–65535.', action: 'Use a port from 1 to 65535.' },
  unknownPortName: { code: 'WEFT3011', severity: 'error', summary: 'An endpoint `ports` entry naming a port the service does not declare.', action: 'Declare the port on the service, or correct the name.' },
  unreadable: PolicyCodes.fileUnreadable,
  fileRefused: PolicyCodes.fileRefused,
  fileTooLarge: PolicyCodes.fileTooLarge,
  invalidLabel: {
    code: 'WEFT3014', severity: 'error',
    summary: 'A label key or value that is not Kubernetes label syntax (key: optional DNS-subdomain prefix and `/`, then at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends; value: empty or the same form).',
    action: 'Rewrite the label in Kubernetes label syntax.',
  },
  kubeUnavailable: {
    code: 'WEFT3101', severity: 'error',
    summary: 'A Kubernetes list or watch failed (per resource kind); weft retries with backoff and the last good registry keeps serving.',
    action: 'Check the API server and the RBAC rules of weft\'s service account (list and watch services and endpointslices).',
  },
} as const satisfies CodeTable;
