/**
 * Network namespaces for the namespace mesh (docs/e2e.md "The namespace mesh"): a hub namespace
 * holding a bridge without an address, and one namespace per workload with a veth to it and one
 * address from 198.18.0.0/24. Nothing is created on the host's own interfaces or routes.
 *
 * Names are `wft<pid>-<n>` so stale namespaces of a dead run can be recognised and removed.
 * Everything a Net created is removed by `destroy()`, by an exit handler if the process ends on a
 * signal, and by the next Net created on this machine if the process was killed outright.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { alive } from '../../support/pid-lock.js';

export const SUBNET_PREFIX = '198.18.0';
const PREFIX = 'wft';
const live = new Set<Net>();

function ip(args: readonly string[], input?: string): string {
  return execFileSync('ip', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `argv` inside namespace `ns` (as root), returning stdout; throws with stderr on failure. */
export function inNs(ns: string, argv: readonly string[], input?: string): string {
  try {
    return ip(['netns', 'exec', ns, ...argv], input);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`in ${ns}: ${argv.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Deletes namespaces left by runs whose process no longer exists. */
export function sweepStale(): void {
  const names = ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
  for (const name of names) {
    const m = /^wft(\d+)-/.exec(name);
    if (m && !alive(Number(m[1]))) ip(['netns', 'del', name]);
  }
}

let counter = 0;

export class Net {
  readonly hub: string;
  readonly #namespaces: string[] = [];
  #next = 10;

  private constructor(readonly id: string) {
    this.hub = `${id}-hub`;
  }

  /** Creates the hub namespace and its bridge. */
  static create(): Net {
    sweepStale();
    const net = new Net(`${PREFIX}${process.pid}x${counter++}`);
    live.add(net);
    net.#add(net.hub);
    inNs(net.hub, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    inNs(net.hub, ['ip', 'link', 'set', 'br0', 'up']);
    return net;
  }

  #add(ns: string): void {
    ip(['netns', 'add', ns]);
    this.#namespaces.push(ns);
    inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
  }

  /** A new workload namespace with the next free address; returns its name and address. */
  workload(name: string): { ns: string; address: string } {
    const n = this.#next++;
    if (n > 250) throw new Error('namespace mesh: out of addresses');
    const ns = `${this.id}-${name}`;
    const address = `${SUBNET_PREFIX}.${n}`;
    this.#add(ns);
    // The veth is created in the hub and one end moved into the workload: the host never sees it.
    inNs(this.hub, ['ip', 'link', 'add', `v${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    inNs(this.hub, ['ip', 'link', 'set', `v${n}`, 'master', 'br0', 'up']);
    inNs(ns, ['ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    inNs(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    return { ns, address };
  }

  /** Deletes every namespace this Net created (their veths go with them). Idempotent. */
  destroy(): void {
    for (const ns of this.#namespaces.splice(0).reverse()) {
      if (existsSync(`/var/run/netns/${ns}`)) ip(['netns', 'del', ns]);
    }
    live.delete(this);
  }
}

/** Why namespace meshes cannot run here, or undefined. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'namespace mesh needs root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('iptables-restore', ['--version'], { stdio: 'ignore' });
    execFileSync('nsenter', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'namespace mesh needs ip (iproute2), iptables-restore and nsenter';
  }
  return undefined;
}

function destroyAll(): void {
  for (const net of [...live]) {
    try {
      net.destroy();
    } catch {
      // best effort while exiting; the next run's sweep removes what is left
    }
  }
}

process.once('exit', destroyAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    destroyAll();
    process.kill(process.pid, sig);
  });
}
