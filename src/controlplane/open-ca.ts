/**
 * What `ControlPlane.start` opens before anything serves: the leader gate (leader election when
 * asked, else this weft always leads), the trust domain, and the CA: from the shared root Secret
 * (replicas), operator files, or the state directory, with its expiry watch.
 */
import path from 'node:path';
import { CertificateAuthority, formatCaError } from '../ca/index.js';
import type { ControlPlaneConfig } from './control-plane.js';
import { ALWAYS_LEADER, loadKubeConfig, startLeaderElection, type LeaderGate } from './replicas.js';
import { SharedRoot } from './shared-root.js';
import { BundleAcks } from './bundle-acks.js';
import { StartError } from './start-error.js';
import type { Logger } from './log.js';
import type { ControlPlaneMetrics } from './metrics.js';
import type { PolicySource } from './policy-source.js';

/** Competes for the Lease when asked to (`--leader-election`); else this weft always leads. */
export async function startLeader(c: ControlPlaneConfig): Promise<LeaderGate> {
  const election = c.replicas?.leaderElection;
  if (!election) return ALWAYS_LEADER;
  if (c.registry.kind !== 'kubernetes') throw new StartError('leader election needs --kubernetes (the Lease is in the API server)');
  return startLeaderElection(await loadKubeConfig(c.registry.kubeconfig), election, c.log);
}

/** With leader election, the reports of every replica's bundle ACKs (bundle-acks.ts). */
export async function bundleAcks(c: ControlPlaneConfig): Promise<BundleAcks | undefined> {
  const election = c.replicas?.leaderElection;
  if (!election || c.registry.kind !== 'kubernetes') return undefined;
  const { CoordinationV1Api } = await import('@kubernetes/client-node');
  return new BundleAcks((await loadKubeConfig(c.registry.kubeconfig)).makeApiClient(CoordinationV1Api), election, c.log);
}

/** The CA, and with `--ca-secret` the Secret it is shared through (shared-root.ts). */
export async function openCa(c: ControlPlaneConfig, trustDomain: string): Promise<{ ca: CertificateAuthority; shared?: SharedRoot }> {
  const secret = c.replicas?.caSecret;
  if (secret) {
    if (c.registry.kind !== 'kubernetes') throw new StartError('--ca-secret needs --kubernetes (the Secret is in the API server)');
    const { shared, created } = await SharedRoot.open(await loadKubeConfig(c.registry.kubeconfig), secret, trustDomain, c.log);
    c.log.info(`${created ? 'created' : 'using'} the CA root in Secret ${secret.namespace}/${secret.name}`, { phase: shared.ca.rotationPhase()?.phase });
    return { ca: shared.ca, shared };
  }
  const r = c.caFiles
    ? await CertificateAuthority.fromFiles(c.caFiles, { trustDomain })
    : await CertificateAuthority.open(path.join(c.stateDir, 'ca'), { trustDomain });
  if (!r.ok) throw new StartError(`cannot start the CA: ${formatCaError(r.error)}`);
  return { ca: r.value };
}

/** Logs a warning (and keeps the expiry metric current) at start and every hour while the
 * signing CA has less than 20 % of its life left: an expired root is an outage (istio#14516). */
export function watchCaExpiry(ca: CertificateAuthority, metrics: ControlPlaneMetrics, log: Logger): NodeJS.Timeout {
  const check = () => {
    metrics.setRootExpiry(ca.expiry().notAfter);
    for (const w of ca.expiryWarnings()) log.warn(w);
  };
  check();
  const timer = setInterval(check, 3600_000);
  timer.unref();
  return timer;
}

export async function initialTrustDomain(policy: PolicySource): Promise<string> {
  const r = await policy.load();
  return r.ok ? r.load.policy.mesh.trustDomain : 'cluster.local';
}
