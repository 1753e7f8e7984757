/** Public surface of the control plane module. */
export type * from './view.js';
export { ControlPlane, DEFAULT_MAX_MESSAGE_BYTES, StartError, controlPlaneIdentity, type ControlPlaneConfig } from './control-plane.js';
export { Reconciler, type ReconcilerOptions, type ReconcilerHooks } from './reconciler.js';
export { RunningView } from './view-impl.js';
export { PolicySource, gitCommit } from './policy-source.js';
export { redactSecrets, REDACTED } from './redact.js';
export { consoleLogger, memoryLogger, scrubKeys, type Logger } from './log.js';
export { bootstrapConfig, writeBootstrap, CERT_FILE, KEY_FILE, CA_FILE, GRPC_SERVER_TEMPLATE, type BootstrapInput } from './bootstrap.js';
export { probeResources, type AppProbe } from './probe-listener.js';
export { MAX_EXCHANGE_BYTES, TokenExchange, type ExchangeOutcome, type TokenExchangeOptions, type TokenReviewResult, type TokenReviewer } from './token-exchange.js';
export { kubeTokenReviewer } from './token-review.js';
export { CertificateManager } from './certificates.js';
export { ControlPlaneMetrics } from './metrics.js';
export { csdsService, type CsdsOptions } from './csds.js';
export type { CertificateSource, WorkloadCertificate } from './secrets.js';
export { isLoopbackHost } from './loopback.js';
export { claimedIdentity, describeProxy } from './proxies.js';
