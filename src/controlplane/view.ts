/**
 * The read-only port of the running control plane: what the admin API, CSDS and the CLI see.
 *
 * Contract: every method returns plain, freshly built values (safe to serialise and to keep);
 * nothing returned aliases internal state. Private key material never appears in any value
 * returned here: certificates appear as PEM with expiry, keys as the string `[redacted]`.
 */
import type { Diagnostic, PolicyLoadResult } from '../policy/index.js';
import type { Service } from '../discovery/index.js';
import type { EdgeView } from './edge-stats.js';
import type { Graph } from './graph.js';

export type XdsTypeShort = 'LDS' | 'RDS' | 'CDS' | 'EDS' | 'SDS';

/** SYNCED: ACKed the current version. STALE: sent, not yet ACKed (or behind). NACKED: rejected
 * the current version. NOT_SENT: subscribed, nothing sent yet. */
export type SyncStatus = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT_SENT';

export interface TypeSyncView {
  readonly type: XdsTypeShort;
  readonly status: SyncStatus;
  /** Version of the config weft currently wants this proxy to have for this type. */
  readonly desiredVersion?: string;
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  readonly subscribed: readonly string[];
  readonly resources: number;
  readonly nack?: {
    readonly message: string;
    readonly at: string;
    readonly version: string;
    /** Rejected resources, each with the policy location that produced it when known. */
    readonly resources: readonly { readonly name: string; readonly source?: string }[];
  };
}

export interface ProxyView {
  readonly id: string;
  readonly kind: 'envoy' | 'grpc';
  readonly identity?: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly peer: string;
  /** TLS stream with a verified client certificate (channel `mtls`). */
  readonly authenticated: boolean;
  /** The xDS port the proxy connected to: `mtls`, or `plaintext` (`--insecure-xds`). */
  readonly channel: 'mtls' | 'plaintext';
  /** Other identities connected with the same node id (`channel identity` each); a collision
   * an operator should look at. Empty when the node id is unique. */
  readonly nodeIdCollisions: readonly string[];
  /** Services claimed in node metadata that the registry does not give this identity (ignored). */
  readonly refusedServices: readonly string[];
  readonly delta: boolean;
  readonly connectedAt: string;
  /** Policy version/commit this proxy's desired config was built from. */
  readonly policyVersion?: string;
  readonly types: readonly TypeSyncView[];
  /** Workload certificate served to this proxy over SDS, if any. */
  readonly certificate?: { readonly spiffeId: string; readonly notAfter: string; readonly serial: string };
  /** Bytes of the proxy's full configuration (all types), for message-limit warnings. */
  readonly configBytes: number;
  /** What the proxy is sent (docs/translation.md "Scope"); absent until its first publish. */
  readonly scope?: ScopeView;
  /** The effective inbound mTLS mode of each port the proxy serves, and the level that set it
   * (`mesh`, `namespace`, `service`, `port`; policy/mtls.ts) with that document's location. */
  readonly mtls?: readonly MtlsPortView[];
  /** Where the proxy runs, as locality-aware load balancing uses it: its registry endpoint's
   * locality (`from: registry`) or its node's (`node`); absent when unknown. */
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly from: 'registry' | 'node' };
}

export interface MtlsPortView {
  readonly service: string;
  readonly port: number;
  readonly mode: 'strict' | 'permissive' | 'disabled';
  readonly from: 'mesh' | 'namespace' | 'service' | 'port';
  readonly source?: string;
}

/** A proxy's scope: the namespaces it may reach (`*` = all), how many services that covers
 * (those its routes name in other namespaces included), and those left out because their
 * AccessPolicies refuse its identity. */
export interface ScopeView {
  readonly namespaces: readonly string[];
  readonly services: number;
  readonly refused: readonly string[];
}

export interface ConfigDump {
  readonly proxy: string;
  /** What weft would send now, per type, as Envoy-style JSON (`@type` on each resource). */
  readonly desired: Readonly<Record<XdsTypeShort, readonly object[]>>;
  /** What the proxy ACKed, per type. */
  readonly acked: Readonly<Record<XdsTypeShort, readonly object[]>>;
}

export interface PolicyView {
  readonly version?: string;
  /** Git commit of the policy directory when it is a git work tree. */
  readonly commit?: string;
  readonly directory?: string;
  readonly files: readonly string[];
  /** When the policy serving now was accepted. */
  readonly loadedAt?: string;
  /** Its warnings: the load's and those found against the registry when it was accepted. */
  readonly warnings: readonly Diagnostic[];
  /** The last rejected change, kept until a later load succeeds. */
  readonly lastError?: { readonly at: string; readonly diagnostics: readonly Diagnostic[] };
}

export interface ReadinessView {
  readonly ready: boolean;
  /** Why not ready, in words an operator can act on. */
  readonly reasons: readonly string[];
}

export interface ControlPlaneView {
  readiness(): ReadinessView;
  proxies(): readonly ProxyView[];
  proxy(id: string): ProxyView | undefined;
  configDump(id: string): ConfigDump | undefined;
  services(): readonly Service[];
  policy(): PolicyView;
  /** Validates policy documents against the current registry without applying them. */
  validate(files: readonly { path: string; text: string }[]): PolicyLoadResult;
  /** Trust bundle PEM (public) and CA expiry, for `weft ca` and the API. */
  ca(): { readonly trustDomain: string; readonly bundlePem: string; readonly sequence: number; readonly notAfter: string };
  /** Golden metrics per edge streamed by sidecars (edge-stats.ts); empty without the sink. */
  edges(): readonly EdgeView[];
  /** The service map (graph.ts): services, proxies' sync status, route and traffic edges. */
  graph(): Graph;
}

/** The result of one root rotation step. */
export type RotationStepResult =
  | { readonly ok: true; readonly phase: Readonly<Record<string, string>>; readonly bundleSequence: number }
  | { readonly ok: false; readonly message: string; readonly waitingFor?: readonly string[] };

/**
 * The few operations the admin API may trigger (everything else is read-only). Each is safe to
 * call at any time: it either takes one step or says why not.
 */
export interface ControlPlaneOperations {
  /**
   * `begin`: trust old and new root. `advance`: next phase (sign with new, then drop old), only
   * once every connected proxy has ACKed the current trust bundle.
   */
  rotateRoot(step: 'begin' | 'advance'): Promise<RotationStepResult>;
}
