/**
 * The stable diagnostic codes of the policy module. `WEFT1xxx`: YAML syntax and schema;
 * `WEFT2xxx`: references and semantics. Codes are never renumbered or reused; docs/diagnostics.md
 * documents each (a test keeps the two in step).
 */
export const Codes = {
  yamlSyntax: 'WEFT1001',
  duplicateKey: 'WEFT1002',
  unknownField: 'WEFT1003',
  wrongType: 'WEFT1004',
  missingField: 'WEFT1005',
  unknownKind: 'WEFT1006',
  invalidDuration: 'WEFT1007',
  outOfRange: 'WEFT1008',
  invalidEnum: 'WEFT1009',
  fileTooLarge: 'WEFT1010',
  aliasNotAllowed: 'WEFT1011',
  invalidFormat: 'WEFT1012',
  invalidRegex: 'WEFT1013',
  invalidHeaderName: 'WEFT1014',
  invalidHttpStatus: 'WEFT1015',
  fileUnreadable: 'WEFT1016',
  noDocuments: 'WEFT1017',
  exactlyOne: 'WEFT1018',
  fileRefused: 'WEFT1019',
  emptyFile: 'WEFT1020',
  unmatchablePath: 'WEFT1021',
  policyRef: 'WEFT1022',
  headerNotRewritable: 'WEFT1023',
  weights: 'WEFT2001',
  unknownSubset: 'WEFT2002',
  duplicateTraffic: 'WEFT2003',
  duplicateMesh: 'WEFT2004',
  routeAction: 'WEFT2005',
  unknownService: 'WEFT2006',
  unknownPort: 'WEFT2007',
  hashKey: 'WEFT2008',
  abortStatus: 'WEFT2009',
  unreachableRoute: 'WEFT2010',
  backoff: 'WEFT2011',
  identityUnderPermissive: 'WEFT2012',
} as const;

export type PolicyCode = (typeof Codes)[keyof typeof Codes];
