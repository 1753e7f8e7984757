/**
 * `weft config-dump PROXY [--type CDS] [--acked] [-o json|yaml]`: the configuration weft wants a
 * proxy to have (default) or what the proxy ACKed (`--acked`), from the admin API. Private keys
 * never appear: the API redacts them.
 *
 * Exit codes: 0 ok, 1 error (admin unreachable, unknown proxy), 2 usage.
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import type { ConfigDump, XdsTypeShort } from '../controlplane/index.js';
import { AdminClient, AdminClientError, type AdminClientOptions } from './admin-client.js';
import { processIo, withAdminFlags, type CliIo } from './status.js';

export interface ConfigDumpOptions extends AdminClientOptions {
  readonly type?: string;
  readonly acked?: boolean;
  readonly output?: string;
}

const types: readonly XdsTypeShort[] = ['CDS', 'EDS', 'LDS', 'RDS', 'SDS'];

/** Checks the flags; a usage message, or the parsed type and format. */
function parseFlags(opts: ConfigDumpOptions): string | { type?: XdsTypeShort; format: 'json' | 'yaml' } {
  const format = opts.output ?? 'yaml';
  if (format !== 'json' && format !== 'yaml') return `unknown output format "${format}"; use -o yaml or -o json`;
  if (opts.type === undefined) return { format };
  const type = opts.type.toUpperCase() as XdsTypeShort;
  if (!types.includes(type)) return `unknown type "${opts.type}"; use one of ${types.join(', ')}`;
  return { type, format };
}

/** The selected part of a dump: every type, or one type's resources. */
export function selectDump(dump: ConfigDump, acked: boolean, type?: XdsTypeShort): object {
  const side = acked ? dump.acked : dump.desired;
  return type ? side[type] : side;
}

/** Runs `weft config-dump`; returns the exit code. */
export async function runConfigDump(proxy: string, opts: ConfigDumpOptions, io: CliIo): Promise<number> {
  const flags = parseFlags(opts);
  if (typeof flags === 'string') {
    io.err(`weft config-dump: ${flags}\n`);
    return 2;
  }
  try {
    const dump = await new AdminClient(opts, io.env).get<ConfigDump>(`/api/v1/proxies/${encodeURIComponent(proxy)}/config`);
    const selected = selectDump(dump, opts.acked === true, flags.type);
    io.out(flags.format === 'json' ? JSON.stringify(selected, null, 2) + '\n' : stringify(selected, { lineWidth: 0 }));
    return 0;
  } catch (err) {
    io.err(`weft config-dump: ${err instanceof AdminClientError ? err.message : String(err)}\n`);
    return 1;
  }
}

/** `weft config-dump`. The lead's main.ts adds it with `program.addCommand(configDumpCommand())`. */
export function configDumpCommand(io: CliIo = processIo): Command {
  return withAdminFlags(new Command('config-dump'))
    .description('print the config weft serves a proxy (desired), or what it ACKed (--acked)')
    .argument('<proxy>', 'the proxy id (node id); see `weft status`')
    .option('--type <type>', 'only one xDS type: CDS, EDS, LDS, RDS or SDS')
    .option('--acked', 'show what the proxy acknowledged instead of what weft wants it to have')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (proxy: string, opts: ConfigDumpOptions) => {
      process.exitCode = await runConfigDump(proxy, opts, io);
    });
}
