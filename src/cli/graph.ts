/**
 * `weft graph -o dot|json`: the service map (`GET /api/v1/graph`, docs/api.md) as Graphviz dot
 * (namespaces as clusters; traffic edges solid with rate, error rate and p99; route edges dashed
 * with their weight; NACKed proxies marked) or as the API's JSON.
 *
 * Exit codes: 0 ok, 1 admin unreachable, 2 usage.
 */
import { Command } from 'commander';
import type { Graph, GraphEdge } from '../controlplane/index.js';
import { AdminClient, AdminClientError, type AdminClientOptions } from './admin-client.js';
import { processIo, withAdminFlags, type CliIo } from './status.js';

/** A dot string: quotes and backslashes escaped, line breaks as dot's `\n`. */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const num = (n: number | undefined, digits = 2) => (n === undefined ? '-' : String(Math.round(n * 10 ** digits) / 10 ** digits));

function edgeLabel(e: GraphEdge): string {
  const where = e.subset ? `${e.subset} ` : '';
  if (e.kind === 'route') return `${where}${e.weight}%`;
  return `${where}${num(e.requestsPerSecond)} rps, ${num((e.errorRate ?? 0) * 100, 1)}% err, p99 ${e.p99Ms === undefined ? '-' : `${num(e.p99Ms, 1)} ms`}`;
}

/** Graphviz dot; deterministic (the graph is sorted by the API). */
export function renderDot(g: Graph): string {
  const lines = ['digraph weft {', '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="sans-serif"];', '  edge [fontname="sans-serif", fontsize=10];'];
  g.namespaces.forEach((ns, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${q(`namespace ${ns}`)};`);
    for (const n of g.nodes.filter((x) => x.namespace === ns)) {
      const nacked = n.proxies.filter((p) => p.status === 'NACKED');
      const proxies = `${n.proxies.length} prox${n.proxies.length === 1 ? 'y' : 'ies'}${nacked.length ? `, ${nacked.length} NACKED` : ''}`;
      const attrs = [`label=${q(`${n.name}\n${proxies}`)}`, ...(nacked.length ? ['color=red'] : []), ...(n.kind === 'workload' ? ['style="rounded,dashed"'] : [])];
      lines.push(`    ${q(n.id)} [${attrs.join(', ')}];`);
    }
    lines.push('  }');
  });
  for (const e of g.edges) {
    if (e.kind === 'route' && e.from === e.to && !e.subset) continue;
    const attrs = [`label=${q(edgeLabel(e))}`, ...(e.kind === 'route' ? ['style=dashed'] : []), ...((e.errorRate ?? 0) > 0.05 ? ['color=red'] : []),
      `tooltip=${q(`mTLS ${e.mtls}, authz ${e.authz}`)}`];
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export async function runGraph(opts: AdminClientOptions & { output?: string }, io: CliIo): Promise<number> {
  const output = opts.output ?? 'dot';
  if (output !== 'dot' && output !== 'json') {
    io.err(`weft graph: unknown output format "${output}"; use -o dot or -o json\n`);
    return 2;
  }
  try {
    const g = await new AdminClient(opts, io.env).get<Graph>('/api/v1/graph');
    io.out(output === 'json' ? JSON.stringify(g, null, 2) + '\n' : renderDot(g));
    return 0;
  } catch (err) {
    io.err(`weft graph: ${err instanceof AdminClientError ? err.message : String(err)}\n`);
    return 1;
  }
}

export function graphCommand(io: CliIo = processIo): Command {
  return withAdminFlags(new Command('graph'))
    .description('print the service map: services, proxies, route and traffic edges (Graphviz dot or JSON)')
    .option('-o, --output <format>', 'dot or json', 'dot')
    .action(async (opts: AdminClientOptions & { output?: string }) => {
      process.exitCode = await runGraph(opts, io);
    });
}
