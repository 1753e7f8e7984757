/**
 * Stable diagnostic codes of the discovery module (WEFT3xxx). Documented in
 * docs/diagnostics-registry.md; tests and tooling match on these, never on message text.
 */
export const RegistryCode = {
  /** The file is not well-formed YAML (or is empty / cut off). */
  Syntax: 'WEFT3001',
  /** A field that the registry format does not define. */
  UnknownField: 'WEFT3002',
  /** A value of the wrong YAML type (e.g. a list where a map is expected). */
  WrongType: 'WEFT3003',
  /** A required field is missing. */
  MissingField: 'WEFT3004',
  /** A value outside its allowed set (protocol, health, DNS-label names). */
  InvalidValue: 'WEFT3005',
  DuplicateService: 'WEFT3006',
  DuplicatePort: 'WEFT3007',
  DuplicateEndpoint: 'WEFT3008',
  InvalidAddress: 'WEFT3009',
  PortOutOfRange: 'WEFT3010',
  /** An endpoint `ports` entry names a port the service does not declare. */
  UnknownPortName: 'WEFT3011',
  /** The file could not be read. */
  Unreadable: 'WEFT3012',
  /** The file resolves outside its directory, is not a regular file, or is over the size limit. */
  FileRefused: 'WEFT3013',
  /** A label key or value that is not valid Kubernetes label syntax. */
  InvalidLabel: 'WEFT3014',
  /** A Kubernetes list or watch failed; the last good registry is kept while retrying. */
  KubeUnavailable: 'WEFT3101',
  /** A Kubernetes object could not be mapped (e.g. a Service port without a number). */
  KubeObjectSkipped: 'WEFT3102',
} as const;
