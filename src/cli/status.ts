/**
 * `weft status [PROXY]`: per-proxy, per-type sync state, like `istioctl proxy-status`
 * (REFERENCE.md §6). Without PROXY a table of every connected proxy; with PROXY its details,
 * including each NACK's message and the policy file:line that produced the rejected resource.
 *
 * Exit codes: 0 ok, 1 error (admin unreachable, unknown proxy), 2 usage.
 */
import { Command } from 'commander';
import type { ProxyView, TypeSyncView, XdsTypeShort } from '../controlplane/index.js';
import { AdminClient, AdminClientError, type AdminClientOptions } from './admin-client.js';
import { renderFields, renderTable } from './table.js';
import { byText } from '../common/index.js';

/** Where a command writes; injected so tests can capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  env: process.env,
};

export interface StatusOptions extends AdminClientOptions {
  readonly output?: string;
}

const columns: readonly XdsTypeShort[] = ['CDS', 'LDS', 'EDS', 'RDS', 'SDS'];

function statusWord(t: TypeSyncView | undefined): string {
  if (!t) return '-';
  return t.status === 'NOT_SENT' ? 'NOT SENT' : t.status;
}

/** The `weft status` table: one row per proxy, sorted by id. */
export function renderProxyTable(proxies: readonly ProxyView[]): string {
  const rows = [...proxies]
    .sort(byText((p) => p.id))
    .map((p) => [p.nodeIdCollisions?.length ? `${p.id} (!)` : p.id, p.kind, p.channel === 'plaintext' ? `${p.identity ?? '-'} (plaintext)` : p.identity ?? '-', ...columns.map((c) => statusWord(p.types.find((t) => t.type === c))), p.policyVersion ?? '-']);
  const table = renderTable(['NAME', 'KIND', 'IDENTITY', ...columns, 'VERSION'], rows);
  const shared = proxies.some((p) => p.nodeIdCollisions?.length);
  return shared ? `${table}(!) node id used by more than one identity or port: \`weft status <spiffe-id>|<node-id>\` shows each\n` : table;
}

function nackLines(t: TypeSyncView): string[] {
  if (!t.nack) return [];
  const head = `${t.type} NACKED version ${t.nack.version} at ${t.nack.at}: ${t.nack.message}`;
  return [head, ...t.nack.resources.map((r) => `  ${r.name}${r.source ? `  (from ${r.source})` : ''}`)];
}

/** Details of one proxy: identity, per-type versions, NACK messages with policy locations. */
export function renderProxyDetail(p: ProxyView): string {
  const fields = renderFields([
    ['Proxy', p.id], ['Kind', p.kind], ['Identity', p.identity], ['Namespace', p.namespace], ['Peer', p.peer],
    ['Authenticated', p.authenticated ? 'yes (client certificate)' : 'no (plaintext port)'], ['Protocol', p.delta ? 'delta' : 'state of the world'],
    ['Node id shared with', p.nodeIdCollisions?.length ? p.nodeIdCollisions.join(', ') : undefined],
    ['Refused service claims', p.refusedServices?.length ? p.refusedServices.join(', ') : undefined],
    ['Connected', p.connectedAt], ['Policy version', p.policyVersion], ['Certificate expires', p.certificate?.notAfter],
    ['Config size', `${p.configBytes} bytes`],
    ['Scope', p.scope && `${p.scope.services} services in ${p.scope.namespaces.join(', ') === '*' ? 'every namespace' : `namespaces ${p.scope.namespaces.join(', ')}`}`],
    ['Refused by AccessPolicy', p.scope?.refused.length ? p.scope.refused.join(', ') : undefined],
  ]);
  const types = renderTable(
    ['TYPE', 'STATUS', 'DESIRED', 'SENT', 'ACKED', 'RESOURCES'],
    p.types.map((t) => [t.type, statusWord(t), t.desiredVersion ?? '-', t.sentVersion ?? '-', t.ackedVersion ?? '-', String(t.resources)]),
  );
  const nacks = p.types.flatMap(nackLines);
  return `${fields}\n${types}${nacks.length ? `\nRejected by the proxy:\n${nacks.join('\n')}\n` : ''}`;
}

/** Runs `weft status`; returns the exit code. */
export async function runStatus(proxy: string | undefined, opts: StatusOptions, io: CliIo): Promise<number> {
  const output = opts.output ?? 'table';
  if (output !== 'table' && output !== 'json') {
    io.err(`weft status: unknown output format "${output}"; use -o table or -o json\n`);
    return 2;
  }
  const client = new AdminClient(opts, io.env);
  try {
    if (proxy === undefined) {
      const { proxies } = await client.get<{ proxies: ProxyView[] }>('/api/v1/proxies');
      io.out(output === 'json' ? JSON.stringify(proxies, null, 2) + '\n' : proxies.length ? renderProxyTable(proxies) : 'no proxies connected\n');
    } else {
      const p = await client.get<ProxyView>(`/api/v1/proxies/${encodeURIComponent(proxy)}`);
      io.out(output === 'json' ? JSON.stringify(p, null, 2) + '\n' : renderProxyDetail(p));
    }
    return 0;
  } catch (err) {
    io.err(`weft status: ${err instanceof AdminClientError ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Adds the admin connection flags shared by the read commands. */
export function withAdminFlags(cmd: Command): Command {
  return cmd
    .option('--admin-url <url>', 'weft admin API base URL (env WEFT_ADMIN_URL; default http://127.0.0.1:18001)')
    .option('--admin-token <token>', 'bearer token for the admin API (env WEFT_ADMIN_TOKEN)');
}

/** `weft status [PROXY]`. The lead's main.ts adds it with `program.addCommand(statusCommand())`. */
export function statusCommand(io: CliIo = processIo): Command {
  return withAdminFlags(new Command('status'))
    .description('show each connected proxy\'s sync state per xDS type (SYNCED, STALE, NACKED, NOT SENT)')
    .argument('[proxy]', 'a proxy id (node id) for its details and NACK messages')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (proxy: string | undefined, opts: StatusOptions) => {
      process.exitCode = await runStatus(proxy, opts, io);
    });
}
