/**
 * What `weft serve --kubernetes` shares with its other replicas through the API server
 * (docs/deploy.md "Replicas"):
 *
 * - `--ca-secret NS/NAME`: the CA root in one Secret, created by the first replica and read by the
 *   others (root-secret.ts), so every replica issues workload and serving certificates chained to
 *   the same root and a proxy may reconnect to any of them;
 * - `--leader-election`: a `coordination.k8s.io` Lease (lease.ts); only its holder runs the tasks
 *   that must happen once (route status written back, root rotation steps). Without it a single
 *   weft is always the leader.
 *
 * `@kubernetes/client-node` is imported on first use, as everywhere in weft.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { ControlPlaneCodes } from './codes.js';
import { LeaseElector } from './lease.js';
import type { Logger } from './log.js';
import { ensureRootSecret } from './root-secret.js';

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

export interface LeaderElectionConfig extends ObjectRef {
  /** Unique per replica: the pod name. */
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineMs?: number;
  readonly retryMs?: number;
}

export interface ReplicaConfig {
  readonly caSecret?: ObjectRef;
  readonly leaderElection?: LeaderElectionConfig;
}

/** Who runs the once-only tasks. `isLeader` is read before every step of such a task. */
export interface LeaderGate {
  readonly isLeader: boolean;
  /** Called with true when this replica starts leading and false when it stops. */
  onChange(fn: (leading: boolean) => void): () => void;
  /** For messages: which Lease, as `ns/name`, and this replica's identity. */
  readonly description: string;
  stop(): Promise<void>;
}

/** A single weft: it leads from start to end. */
export const ALWAYS_LEADER: LeaderGate = { isLeader: true, onChange: () => () => undefined, description: 'a single replica', stop: async () => undefined };

/** Thrown at start with a message that says what to do (`weft serve` prints it). */
export class ReplicaStartError extends Error {}

export async function loadKubeConfig(file?: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

/** The CA root from the Secret (creating it when missing) as PEM text. */
export async function rootFromSecret(kc: KubeConfig, ref: ObjectRef, trustDomain: string): Promise<{ certPem: string; keyPem: string; created: boolean }> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
  try {
    return await ensureRootSecret({ api: kc.makeApiClient(CoreV1Api), ...ref, root: { trustDomain, now: Date.now() } });
  } catch (err) {
    const status = (err as { code?: unknown }).code;
    if (typeof status === 'number') {
      const c = ControlPlaneCodes.caSecretUnreachable;
      throw new ReplicaStartError(`${c.code}: cannot read or create the CA Secret ${ref.namespace}/${ref.name} (HTTP ${status}); ${c.action}`);
    }
    const c = ControlPlaneCodes.caSecretUnusable;
    throw new ReplicaStartError(`${c.code}: the CA Secret ${ref.namespace}/${ref.name}: ${(err as Error).message}; ${c.action}`);
  }
}

/** Starts competing for the Lease; leadership changes are logged. */
export async function startLeaderElection(kc: KubeConfig, c: LeaderElectionConfig, log: Logger): Promise<LeaderGate> {
  const { CoordinationV1Api } = await import('@kubernetes/client-node');
  const elector = new LeaseElector({ api: kc.makeApiClient(CoordinationV1Api), ...c });
  const description = `Lease ${c.namespace}/${c.name} (this replica: ${c.identity})`;
  elector.onChange((leading) => (leading ? log.info(`leading: ${description}`) : log.warn(`no longer leading: ${description}`)));
  elector.start();
  return {
    get isLeader() {
      return elector.isLeader;
    },
    onChange: (fn) => elector.onChange(fn),
    description,
    stop: () => elector.stop(),
  };
}

/** `NS/NAME` as an ObjectRef; undefined when the text has another shape. */
export function parseObjectRef(text: string): ObjectRef | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text);
  return m ? { namespace: m[1]!, name: m[3]! } : undefined;
}
