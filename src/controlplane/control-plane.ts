/**
 * The running control plane: CA, registry source, reconciler, xDS servers (mTLS, and plaintext
 * only when asked) with CSDS on the mTLS port, and metrics; started in dependency order and
 * stopped in reverse. The admin API is started by the CLI over `view` and `metrics`.
 *
 * `ControlPlane.start` either returns a serving instance or throws `StartError` with a message
 * that says what to do; it never leaves half-started servers behind.
 */
import * as grpc from '@grpc/grpc-js';
import { CertificateAuthority, formatCaError, workloadIdText } from '../ca/index.js';
import { StaticRegistrySource, openKubernetesRegistry, openKubernetesRoutes, openKubernetesTlsSecrets, type RegistrySource } from '../discovery/index.js';
import { ResourceEncoder, SnapshotCache, TypeUrl, XdsServer } from '../xds/index.js';
import { warmChecks } from '../translate/index.js';
import { FileGatewayCertificates, SecretGatewayCertificates, combinedGatewayCertificates } from './gateway-certs.js';
import type { GatewayCertificateSource } from './secrets.js';
import { CertificateManager } from './certificates.js';
import { csdsService } from './csds.js';
import { EdgeStats } from './edge-stats.js';
import { metricsService } from './metrics-service.js';
import type { Logger } from './log.js';
import { ControlPlaneMetrics } from './metrics.js';
import { PolicySource } from './policy-source.js';
import { Reconciler } from './reconciler.js';
import { RunningView } from './view-impl.js';
import { TRUST_BUNDLE } from './secrets.js';
import { ServingCredentials } from './serving-credentials.js';
import { combine, listenOr, startInsecure } from './xds-servers.js';
import { LeaderRouteStatus } from './leader-status.js';
import { ReplicaStartError, type LeaderGate, type ReplicaConfig } from './replicas.js';
import { ControlPlaneCodes } from './codes.js';
import { bundleAcks, initialTrustDomain, openCa, startLeader, watchCaExpiry } from './open-ca.js';
import type { BundleAcks } from './bundle-acks.js';
import type { SharedRoot } from './shared-root.js';
import { StartError } from './start-error.js';
import type { RotationStepResult } from './view.js';

export { StartError };

export interface ControlPlaneConfig {
  readonly policyDir: string;
  /** Load policy from the commit this git ref names (`--policy-ref`), not the work tree. */
  readonly policyRef?: string;
  readonly registry: { readonly kind: 'static'; readonly file: string } | { readonly kind: 'kubernetes'; readonly kubeconfig?: string; readonly namespaces?: readonly string[] };
  readonly stateDir: string;
  /** Default: the policy's Mesh trustDomain, else `cluster.local`. */
  readonly trustDomain?: string;
  readonly caFiles?: { readonly certFile: string; readonly keyFile: string; readonly chainFile?: string };
  /**
   * `insecureHost` is where the plaintext port binds (default 127.0.0.1); a non-loopback address
   * is allowed (it is an explicit choice) and logged as a warning.
   */
  readonly xds: { readonly host: string; readonly port: number; readonly insecurePort?: number; readonly insecureHost?: string; readonly maxMessageBytes?: number };
  readonly svidTtlMs: number;
  readonly debounce?: { readonly quietMs: number; readonly maxMs: number };
  /** `--gateway-certs`: the directory of gateway CertificateFiles (`<namespace>/<name>/tls.crt`, `tls.key`). */
  readonly gatewayCerts?: string;
  /** With the Kubernetes registry: the CA root Secret and the leader-election Lease (replicas.ts). */
  readonly replicas?: ReplicaConfig;
  readonly log: Logger;
}

/** Largest xDS message weft receives, and the size it splits responses under, unless configured. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The identity of the control plane's own serving certificate. */
export const controlPlaneIdentity = (td: string) => workloadIdText(td, 'weft-system', 'weft');

export class ControlPlane {
  private constructor(
    readonly reconciler: Reconciler,
    readonly view: RunningView,
    readonly metrics: ControlPlaneMetrics,
    readonly ca: CertificateAuthority,
    readonly xds: XdsServer,
    readonly xdsPort: number,
    readonly insecure: { server: XdsServer; port: number } | undefined,
    private readonly certs: CertificateManager,
    private readonly expiryTimer: NodeJS.Timeout,
    private readonly routes: { stop(): Promise<void> } | undefined,
    /** Who runs the once-only tasks (always this one without leader election). */
    readonly leader: LeaderGate,
    /** With `--ca-secret`: the root and its rotation state shared with the other replicas. */
    private readonly shared: SharedRoot | undefined,
    /** With both: every replica's report of its proxies' bundle ACKs (bundle-acks.ts). */
    private readonly acks: BundleAcks | undefined,
  ) {
    acks?.start(() => ({ sequence: ca.trustBundle().sequence, laggards: this.bundleLaggards().length }));
  }

  static async start(c: ControlPlaneConfig): Promise<ControlPlane> {
    const leader = await startLeader(c);
    try {
      return await ControlPlane.startLed(c, leader);
    } catch (err) {
      await leader.stop();
      throw err instanceof ReplicaStartError ? new StartError(err.message) : err;
    }
  }

  private static async startLed(c: ControlPlaneConfig, leader: LeaderGate): Promise<ControlPlane> {
    // With Kubernetes, Gateway API routes there are policy too (docs/gateway-api.md); only the
    // leader writes their status back.
    const source = c.registry.kind === 'kubernetes' ? await openKubernetesRoutes({ kubeconfigFile: c.registry.kubeconfig }) : undefined;
    await source?.start();
    const routes = source && new LeaderRouteStatus(source, leader, c.log);
    const policy = new PolicySource(c.policyDir, { ref: c.policyRef, ...(routes && { extra: routes }) });
    const trustDomain = c.trustDomain ?? (await initialTrustDomain(policy));
    const { ca, shared } = await openCa(c, trustDomain).catch(async (err: unknown) => (await routes?.stop(), Promise.reject(err)));
    const registry = await registrySource(c);
    const metrics = new ControlPlaneMetrics();
    metrics.setLeader(leader.isLeader);
    leader.onChange((leading) => metrics.setLeader(leading));
    const expiryTimer = watchCaExpiry(ca, metrics, c.log);
    const cache = new SnapshotCache();
    const plaintextCache = c.xds.insecurePort === undefined ? undefined : new SnapshotCache();
    const certs = new CertificateManager(ca, { ttlMs: c.svidTtlMs, log: c.log });
    // Another replica's rotation step: push the new bundle, and new certificates under a new signer.
    shared?.watch(c.replicas?.leaderElection?.retryMs ?? 2_000, (what) => (what === 'signer' && certs.renewAll(), certs.bundleChanged()));
    const gatewayCertificates = await gatewayCertificateSources(c);
    const reconciler = new Reconciler({
      policy, registry, cache, plaintextCache, encoder: new ResourceEncoder(), certificates: certs, trustDomain, log: c.log, debounce: c.debounce,
      ...(gatewayCertificates && { gatewayCertificates }),
      hooks: {
        onTranslate: (ms) => metrics.recordTranslation(ms),
        onMerge: (n) => metrics.recordDebounceMerge(n),
        onPolicyLoad: (ok) => metrics.recordPolicyLoad(ok),
        onReady: (r) => metrics.setReady(r),
        onPublish: (p) => {
          metrics.setConfigBytes(p.node.id, p.configBytes, c.xds.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
          if (p.certificate) metrics.setCertificateExpiry(p.certificate.spiffeId, p.certificate.notAfter);
        },
      },
    });
    const edgeStats = new EdgeStats();
    const view = new RunningView({
      reconciler, registry, policyDirectory: c.policyDir, edgeStats,
      ca: () => ({ trustDomain, bundlePem: ca.trustBundle().pems.join(''), sequence: ca.trustBundle().sequence, notAfter: new Date(ca.expiry().notAfter).toISOString() }),
    });
    const callbacks = combine(metrics.xdsCallbacks(), {
      onStreamBound: (s) => reconciler.streamBound(s),
      onStreamClose: (s) => reconciler.streamClosed(s),
      onNack: (s, t, n) => c.log.warn('proxy rejected configuration (NACK)', { proxy: s.node?.id, type: t.split('.').pop(), resources: n.names.join(','), error: n.message }),
    });
    const serverOptions = {
      callbacks, maxMessageBytes: c.xds.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      onCallbackError: (name: string, err: unknown) => c.log.error(`internal error in ${name}`, { error: (err as Error).stack ?? String(err) }) };
    const xds = new XdsServer({ ...serverOptions, cache, authenticate: (r) => reconciler.authenticate(r, 'mtls') });
    // CSDS only on the authenticated port: it shows configuration, scoped to the caller's identity.
    const csds = csdsService(view);
    xds.addService(csds.definition, csds.implementation);
    // The metrics service too: a sidecar's stats carry its identity only on this port.
    const sink = metricsService(edgeStats, trustDomain);
    xds.addService(sink.definition, sink.implementation);
    metrics.addEdgeStats(edgeStats);
    const started: { close(): Promise<void> }[] = [];
    try {
      const xdsPort = await listenOr(xds.listen(c.xds.port, c.xds.host, servingCredentials(certs, trustDomain)), 'xDS (mTLS)', c.xds.host, c.xds.port, '--xds-port');
      started.push(xds);
      const insecure = plaintextCache && await startInsecure({ ...serverOptions, cache: plaintextCache, authenticate: (r) => reconciler.authenticate(r, 'plaintext') }, c, started);
      warmChecks();
      await reconciler.start();
      return new ControlPlane(reconciler, view, metrics, ca, xds, xdsPort, insecure, certs, expiryTimer, routes, leader, shared, shared && (await bundleAcks(c)));
    } catch (err) {
      clearInterval(expiryTimer);
      shared?.stop();
      await routes?.stop();
      await Promise.all(started.map((s) => s.close().catch(() => undefined)));
      throw err;
    }
  }

  /**
   * One root rotation step (docs/ca.md). `advance` runs only when every connected mTLS proxy that
   * subscribes to the trust bundle has ACKed its current version (plaintext streams cannot gate
   * rotation: anyone can open one and never ACK); the new bundle (and, when the
   * new root starts signing, new workload certificates) is then pushed to every proxy.
   */
  async rotateRoot(step: 'begin' | 'advance'): Promise<RotationStepResult> {
    if (!this.leader.isLeader) return { ok: false, message: `${ControlPlaneCodes.notLeader.code}: this replica does not lead (${this.leader.description}); ask the replica that holds the Lease` };
    if (step === 'advance') {
      const waitingFor = this.bundleLaggards();
      if (waitingFor.length) return { ok: false, message: 'not every proxy has ACKed the current trust bundle', waitingFor };
      const replicas = await this.otherReplicasBehind();
      if (replicas.length) return { ok: false, message: 'not every replica\'s proxies have ACKed the current trust bundle', waitingFor: replicas };
    }
    const run = (ca: CertificateAuthority) => (step === 'begin' ? ca.beginRootRotation() : ca.advanceRootRotation(true));
    const r = this.shared ? await this.shared.step(run) : await run(this.ca);
    if (!r.ok) return { ok: false, message: 'conflict' in r ? r.conflict : formatCaError(r.error) };
    if (r.value.phase === 'sign-with-new') this.certs.renewAll();
    this.certs.bundleChanged();
    return { ok: true, phase: { ...r.value }, bundleSequence: this.ca.trustBundle().sequence };
  }

  /** Other replicas whose proxies have not all ACKed the current bundle (their reports). */
  private async otherReplicasBehind(): Promise<string[]> {
    try {
      return (await this.acks?.behind(this.ca.trustBundle().sequence)) ?? [];
    } catch (err) {
      return [`the replicas' reports (cannot list them: ${(err as Error).message})`];
    }
  }

  /** Authenticated proxies whose ACKed trust bundle is not the one in their current snapshot,
   * as `node id (identity)`. */
  private bundleLaggards(): string[] {
    const out: string[] = [];
    for (const p of this.reconciler.proxies.all()) {
      if (p.channel !== 'mtls') continue;
      const current = p.snapshot?.get(TypeUrl.Secret).get(TRUST_BUNDLE);
      if (!current) continue;
      const acked = [...p.streams].flatMap((s) => s.types()).find((t) => t.typeUrl === TypeUrl.Secret)?.acked.get(TRUST_BUNDLE);
      if (acked !== current.version) out.push(`${p.node.id} (${p.identity.spiffeId})`);
    }
    return out.sort();
  }

  async close(): Promise<void> {
    clearInterval(this.expiryTimer);
    // Released first, so another replica takes the once-only tasks over at once.
    await this.leader.stop();
    this.shared?.stop();
    this.acks?.stop();
    this.reconciler.stop();
    this.certs.stop();
    await Promise.all([this.xds.close(), this.insecure?.server.close(), this.routes?.stop()]);
  }
}

async function registrySource(c: ControlPlaneConfig): Promise<RegistrySource> {
  if (c.registry.kind === 'static') return new StaticRegistrySource(c.registry.file);
  return openKubernetesRegistry({ kubeconfigFile: c.registry.kubeconfig, namespaces: c.registry.namespaces });
}

/** mTLS: clients must present a certificate chained to the mesh trust bundle; the server's
 * certificate and that bundle follow rotation (serving-credentials.ts). */
function servingCredentials(certs: CertificateManager, trustDomain: string): grpc.ServerCredentials {
  try {
    return new ServingCredentials(certs, controlPlaneIdentity(trustDomain)).credentials();
  } catch (err) {
    throw new StartError(`cannot issue the xDS serving certificate: ${(err as Error).message}`);
  }
}

/** Gateway listener certificates: CertificateFiles with --gateway-certs, TLS Secrets with the
 * Kubernetes registry (an informer on Secrets of type kubernetes.io/tls only, started when a
 * Gateway first names a Secret). */
async function gatewayCertificateSources(c: ControlPlaneConfig): Promise<GatewayCertificateSource | undefined> {
  const out: GatewayCertificateSource[] = [];
  if (c.gatewayCerts !== undefined) out.push(await FileGatewayCertificates.open(c.gatewayCerts, { log: c.log }));
  if (c.registry.kind === 'kubernetes') {
    const secrets = await openKubernetesTlsSecrets({ kubeconfigFile: c.registry.kubeconfig },
      (err) => c.log.warn('TLS Secrets for gateway certificates not listed; retrying (RBAC: deploy/kubernetes/gateway-secrets-rbac.yaml)', { reason: (err as Error).message ?? String(err) }));
    out.push(new SecretGatewayCertificates(secrets, c.log));
  }
  return combinedGatewayCertificates(out);
}
