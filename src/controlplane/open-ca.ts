/**
 * What `ControlPlane.start` opens before anything serves: the leader gate (leader election when
 * asked, else this weft always leads) and the CA: from the shared root Secret (replicas), operator
 * files, or the state directory.
 */
import path from 'node:path';
import { CertificateAuthority, formatCaError } from '../ca/index.js';
import { ControlPlaneCodes } from './codes.js';
import type { ControlPlaneConfig } from './control-plane.js';
import { ALWAYS_LEADER, loadKubeConfig, rootFromSecret, startLeaderElection, type LeaderGate } from './replicas.js';
import { StartError } from './start-error.js';

/** Competes for the Lease when asked to (`--leader-election`); else this weft always leads. */
export async function startLeader(c: ControlPlaneConfig): Promise<LeaderGate> {
  const election = c.replicas?.leaderElection;
  if (!election) return ALWAYS_LEADER;
  if (c.registry.kind !== 'kubernetes') throw new StartError('leader election needs --kubernetes (the Lease is in the API server)');
  return startLeaderElection(await loadKubeConfig(c.registry.kubeconfig), election, c.log);
}

export async function openCa(c: ControlPlaneConfig, trustDomain: string): Promise<CertificateAuthority> {
  const secret = c.replicas?.caSecret;
  if (secret) {
    if (c.registry.kind !== 'kubernetes') throw new StartError('--ca-secret needs --kubernetes (the Secret is in the API server)');
    const root = await rootFromSecret(await loadKubeConfig(c.registry.kubeconfig), secret, trustDomain);
    const where = `Secret ${secret.namespace}/${secret.name}`;
    const r = CertificateAuthority.fromPem({ certPem: root.certPem, keyPem: root.keyPem, certFile: `${where} tls.crt`, keyFile: `${where} tls.key` }, { trustDomain });
    if (!r.ok) throw new StartError(`${ControlPlaneCodes.caSecretUnusable.code}: ${formatCaError(r.error)}`);
    c.log.info(root.created ? `created the CA root in ${where}` : `using the CA root in ${where}`);
    return r.value;
  }
  const r = c.caFiles
    ? await CertificateAuthority.fromFiles(c.caFiles, { trustDomain })
    : await CertificateAuthority.open(path.join(c.stateDir, 'ca'), { trustDomain });
  if (!r.ok) throw new StartError(`cannot start the CA: ${formatCaError(r.error)}`);
  return r.value;
}
