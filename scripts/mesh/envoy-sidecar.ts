/**
 * A real Envoy sidecar on this machine, for the demo's frontend and the loopback meshes of
 * e2e/envoy: its bootstrap comes from the `weft bootstrap` command (explicit mode: a listener per
 * service port on 127.0.0.6, xDS and the stats stream over mTLS with a bootstrap certificate from
 * weft's CA), with the Envoy admin on an ephemeral port so it never collides with another Envoy.
 * The inbound (15006) and stats (15090) listeners keep their fixed ports.
 *
 * Envoy is not a node child that watches its stdin, so it is started under
 * `setpriv --pdeathsig SIGKILL` where util-linux has it: the kernel kills it when this process
 * dies, even by SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import type { RunningWeft } from '../../src/cli/run.js';
import { ENVOY_SIDECAR_FLAGS } from '../../src/controlplane/index.js';
import { onPath } from './envoy-bin.js';
import { until } from './until.js';

export interface Sidecar {
  readonly proc: ChildProcess;
  /** `http://127.0.0.1:<port>` of its admin interface. */
  readonly admin: string;
  /** The last 8 kB of what Envoy printed itself (access-log lines left out). */
  log(): string;
  stop(): Promise<void>;
}

export interface SidecarSpec {
  readonly id: string;
  readonly serviceAccount: string;
  /** Where the bootstrap and its certificate go (`<dir>/envoy.json`). */
  readonly dir: string;
  /** Service keys (`name.namespace`) the proxy serves (`weft bootstrap --services`). */
  readonly services?: readonly string[];
  /** `--instance-ips`: explicit mode binds a served service's inbound listener at its endpoint on one of these. */
  readonly ips?: readonly string[];
  /** Workload labels; default `app=<serviceAccount>`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Incremental (delta) ADS instead of state of the world. */
  readonly delta?: boolean;
  /** Everything Envoy prints, as it comes (access-log lines included). */
  readonly onOutput?: (chunk: string) => void;
}

/** Runs the real `weft bootstrap` command, then points the Envoy admin at an ephemeral port. */
async function writeBootstrap(xdsPort: number, stateDir: string, s: SidecarSpec): Promise<string> {
  const labels = Object.entries(s.labels ?? { app: s.serviceAccount }).map(([k, v]) => `${k}=${v}`).join(',');
  const code = await main(['bootstrap', '--node-id', s.id, '--namespace', 'default', '--service-account', s.serviceAccount,
    '--format', 'envoy', '--interception', 'explicit', '--xds-address', `127.0.0.1:${xdsPort}`, '--state-dir', stateDir,
    ...(s.services?.length ? ['--services', s.services.join(',')] : []), '--labels', labels, '--out', s.dir,
    ...(s.ips?.length ? ['--instance-ips', s.ips.join(',')] : []), ...(s.delta ? ['--delta'] : [])]);
  if (code !== 0) throw new Error(`weft bootstrap exited with ${code}`);
  const file = path.join(s.dir, 'envoy.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as { admin: { address: { socket_address: { port_value: number } } } };
  config.admin.address.socket_address.port_value = 0;
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** Writes the bootstrap with `weft bootstrap`, starts Envoy and waits until it is LIVE. */
export async function startSidecar(bin: string, weft: RunningWeft, stateDir: string, s: SidecarSpec): Promise<Sidecar> {
  const file = await writeBootstrap(weft.cp.xdsPort, stateDir, s);
  const adminFile = path.join(s.dir, 'admin-address');
  const args = ['-c', file, '--admin-address-path', adminFile, '--disable-hot-restart', ...ENVOY_SIDECAR_FLAGS, '--concurrency', '1', '--log-level', 'warn'];
  const setpriv = onPath('setpriv');
  const proc = setpriv ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const keep = (d: Buffer) => {
    s.onOutput?.(d.toString());
    const own = d.toString().split('\n').filter((l) => l && !l.startsWith('{'));
    if (own.length) text = `${text}${own.join('\n')}\n`.slice(-8_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const stop = () => new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    proc.once('exit', () => (clearTimeout(kill), resolve()));
    proc.kill('SIGTERM');
  });
  try {
    const address = await until('the Envoy admin address', 30_000, async () => {
      if (proc.exitCode !== null) throw new Error(`envoy exited with ${proc.exitCode}\n${text}`);
      return (await readFile(adminFile, 'utf8').catch(() => '')).trim() || undefined;
    });
    const admin = `http://${address}`;
    await until('Envoy LIVE', 30_000, async () => ((await fetch(`${admin}/ready`).catch(() => undefined))?.ok ? true : undefined));
    return { proc, admin, log: () => text, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
