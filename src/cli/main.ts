/**
 * `weft`: the command line, and the composition root (DESIGN.md §2).
 * Exit codes: 0 success, 1 failure (the message says what to do next), 2 usage error.
 *
 * Commands load lazily: `weft <command>` imports that command's module and nothing of the others,
 * and `weft --help` imports none (each command is listed by the summary in `commands`). A test
 * checks that each summary is the loaded command's own description.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';

/** One top-level command: its name, its one-line summary for `weft --help`, and its loader. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every command, in help order. */
export const commands: readonly CommandEntry[] = [
  { name: 'serve', summary: 'run the control plane: xDS (mTLS) on :18000, admin API and /metrics on 127.0.0.1:18001', load: async () => (await import('./serve.js')).serveCommand() },
  { name: 'validate', summary: 'check a policy directory (syntax, schema, references); exit 1 on errors', load: async () => (await import('./validate.js')).validateCommand() },
  { name: 'bootstrap', summary: 'write an Envoy or gRPC bootstrap and its client certificate for one proxy', load: async () => (await import('./bootstrap.js')).bootstrapCommand() },
  { name: 'status', summary: "show each connected proxy's sync state per xDS type (SYNCED, STALE, NACKED, NOT SENT)", load: async () => (await import('./status.js')).statusCommand() },
  { name: 'top', summary: 'show per-edge request rate, error rate and p99, refreshed (q or Ctrl-C quits)', load: async () => (await import('./top.js')).topCommand() },
  { name: 'graph', summary: 'print the service map: services, proxies, route and traffic edges (Graphviz dot or JSON)', load: async () => (await import('./graph.js')).graphCommand() },
  { name: 'config-dump', summary: 'print the config weft serves a proxy (desired), or what it ACKed (--acked)', load: async () => (await import('./config-dump.js')).configDumpCommand() },
  { name: 'ca', summary: 'inspect the certificate authority', load: async () => (await import('./ca.js')).caCommand() },
  { name: 'inject', summary: 'add the weft Envoy sidecar to the Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods of a Kubernetes manifest', load: async () => (await import('./inject.js')).injectCommand() },
  { name: 'agent', summary: "exchange the pod's ServiceAccount token for its bootstrap certificate (the injected init step)", load: async () => (await import('./agent.js')).agentCommand() },
  { name: 'webhook', summary: 'serve the mutating admission webhook that injects the sidecar into new Pods (HTTPS, AdmissionReview v1)', load: async () => (await import('./webhook.js')).webhookCommand() },
];

/** The command `argv` runs (`weft help X` counts as X), if it names one. */
function requested(argv: readonly string[]): CommandEntry | undefined {
  const name = argv[0] === 'help' ? argv[1] : argv[0];
  return commands.find((c) => c.name === name);
}

/**
 * The program for `argv`: the requested command fully loaded, every other one as a stub that only
 * carries its name and summary (enough for the help listing and unknown-command suggestions).
 */
export async function program(argv: readonly string[]): Promise<Command> {
  const p = new Command('weft')
    .description('weft: a service-mesh control plane for Envoy and proxyless gRPC')
    .version('0.1.0')
    .showHelpAfterError('(run weft --help for usage)')
    .exitOverride();
  const wanted = requested(argv);
  for (const c of commands) {
    const cmd = c === wanted ? await c.load() : new Command(c.name).description(c.summary);
    p.addCommand(cmd.exitOverride());
  }
  return p;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await program(argv)).parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      process.stderr.write(`weft: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`weft: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
}
