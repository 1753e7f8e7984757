/**
 * `weft serve` options for running several replicas (docs/deploy.md "Replicas"): the CA root in
 * one Secret (`--ca-secret`) and the once-only tasks under a Lease (`--leader-election`).
 */
import { Option } from 'commander';
import { parseObjectRef, type ObjectRef, type ReplicaConfig } from '../controlplane/index.js';
import { UsageError } from './errors.js';
import { durationOption } from './options.js';

export interface ReplicaFlags {
  kubernetes?: boolean;
  caCert?: string;
  caSecret?: ObjectRef;
  leaderElection?: boolean;
  lease: ObjectRef;
  leaderIdentity: string;
  leaseDuration: number;
  leaseRenewDeadline: number;
  leaseRetry: number;
}

function objectRef(flag: string): (v: string) => ObjectRef {
  return (v) => {
    const ref = parseObjectRef(v);
    if (!ref) throw new UsageError(`${flag} "${v}" is not NAMESPACE/NAME (example: weft-system/weft-ca-root)`);
    return ref;
  };
}

/** The options; `identity` is the default replica identity (the pod name, else the host name). */
export function replicaOptions(identity: string): Option[] {
  return [
    new Option('--ca-secret <namespace/name>', 'keep the CA root in this Secret, created by the first replica and read by the others (needs --kubernetes)').argParser(objectRef('--ca-secret')),
    new Option('--leader-election', 'run once-only tasks (route status, root rotation) only while holding a Lease (needs --kubernetes)'),
    new Option('--lease <namespace/name>', 'the leader-election Lease').argParser(objectRef('--lease')).default({ namespace: 'weft-system', name: 'weft-leader' }, 'weft-system/weft-leader'),
    new Option('--leader-identity <id>', 'this replica in the Lease (unique per replica)').default(identity, '$POD_NAME, else the host name'),
    durationOption('--lease-duration <duration>', 'how long a silent leader keeps the Lease before another replica takes it', '15s'),
    durationOption('--lease-renew-deadline <duration>', 'a leader that could not renew for this long stops leading', '10s'),
    durationOption('--lease-retry <duration>', 'how often the Lease is renewed or tried', '2s'),
  ];
}

/** The replica part of the control plane's config, or undefined for a single weft. */
export function replicaFlags(f: ReplicaFlags): ReplicaConfig | undefined {
  if (!f.caSecret && !f.leaderElection) return undefined;
  if (!f.kubernetes) throw new UsageError(`${f.caSecret ? '--ca-secret' : '--leader-election'} needs --kubernetes (the Secret and the Lease live in the API server)`);
  if (f.caSecret && f.caCert) throw new UsageError('--ca-secret and --ca-cert are two sources of the CA: pick one');
  if (f.leaderElection && !(f.leaseRetry < f.leaseRenewDeadline && f.leaseRenewDeadline < f.leaseDuration)) {
    throw new UsageError('--lease-retry < --lease-renew-deadline < --lease-duration is required (a leader must renew, and give up, before another replica may take the Lease)');
  }
  if (f.leaderElection && !f.leaderIdentity) throw new UsageError('--leader-identity is empty (set POD_NAME or pass it)');
  return {
    ...(f.caSecret && { caSecret: f.caSecret }),
    ...(f.leaderElection && {
      leaderElection: {
        ...f.lease, identity: f.leaderIdentity,
        leaseDurationSeconds: Math.ceil(f.leaseDuration / 1000), renewDeadlineMs: f.leaseRenewDeadline, retryMs: f.leaseRetry,
      },
    }),
  };
}
