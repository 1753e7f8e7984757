/** Public surface of the model module. */
export * from './types.js';
/**
 * The policy and registry contracts, re-exported so that modules allowed to import only `model`
 * (translate) read them through one surface: types, the default Mesh, and pure helpers over them
 * (locality and mTLS resolution, diagnostics formatting, the registry's ServiceGrouping); no I/O.
 */
export type {
  AccessAction, AccessPolicy, AccessRule, Backend, CircuitBreaker, Diagnostic, FaultPolicy, HeaderRewrite,
  LoadBalancer, MeshPolicy, MtlsMode, OutlierDetection, PolicySet, Principal, RetryPolicy,
  RouteMatch, RoutePolicy, Severity, SourceRef, StringMatch, TracingConfig, TrafficPolicy,
  ExternalPort, ExternalService, OutboundTraffic, PortProtocol, JwtAuthentication, JwtProvider, PathMatch, PathReplace, ExtAuthzProvider,
  MtlsPolicy, MtlsPolicies, EffectiveMtls, MtlsOrigin, MtlsSettings, LocalityMatch, LocalityPolicy, RateLimit, CallerRateLimit, RateCaller,
  GatewayCertificateRef, GatewayHost, GatewayListener, IngressGateway,
} from '../policy/index.js';
export { DEFAULT_MESH, appliedLocality, localityMatches, effectiveMtls, formatDiagnostic, hasErrors, modesOfService, restrictsCallers } from '../policy/index.js';
export type {
  Endpoint, EndpointHealth, Protocol, Service, ServicePort, ServiceRegistry,
} from '../discovery/index.js';
export { ServiceGrouping } from '../discovery/index.js';
