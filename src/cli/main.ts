/**
 * `weft`: the command line, and the composition root (DESIGN.md §2).
 * Exit codes: 0 success, 1 failure (the message says what to do next), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { bootstrapCommand } from './bootstrap.js';
import { caCommand } from './ca.js';
import { configDumpCommand } from './config-dump.js';
import { injectCommand } from './inject.js';
import { CliError } from './options.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';

export function program(): Command {
  const p = new Command('weft')
    .description('weft: a service-mesh control plane for Envoy and proxyless gRPC')
    .version('0.1.0')
    .showHelpAfterError('(run weft --help for usage)')
    .exitOverride();
  for (const c of [serveCommand(), validateCommand(), bootstrapCommand(), statusCommand(), configDumpCommand(), caCommand(), injectCommand()]) {
    p.addCommand(c.exitOverride());
  }
  return p;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
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

const invoked = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invoked) main(process.argv.slice(2)).then((code) => process.exit(code));
