/**
 * `weft inject -f deployment.yaml [-o out.yaml]`: adds the Envoy sidecar (a native sidecar by
 * default), the iptables init container and the bootstrap volumes to the workloads of a Kubernetes manifest, like
 * `istioctl kube-inject` (docs/deploy.md "Injection").
 *
 * Reads a file or `-` (stdin); writes `-o` or stdout. Diagnostics go to stderr as
 * `file:line:col path: severity: message [CODE]`; any error writes nothing and exits 1.
 * Re-running on its own output changes nothing. The injection itself is src/inject; this file is
 * the flags, the files and the exit status.
 */
import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { formatDiagnostic } from '../policy/index.js';
import { DEFAULT_OPTIONS, injectManifests, type InjectOptions } from '../inject/index.js';
import { CliError, UsageError } from './errors.js';
import { csv, port } from './options.js';

interface InjectFlags {
  filename: string;
  output?: string;
  xdsAddress: string;
  image: string;
  initImage: string;
  trustDomain: string;
  namespace: string;
  adminPort: number;
  excludeInboundPorts: string[];
  excludeOutboundPorts: string[];
  logLevel: string;
  sidecarMode: string;
  rewriteProbes: boolean;
}

export function injectCommand(): Command {
  const d = DEFAULT_OPTIONS;
  return new Command('inject')
    .description('add the weft Envoy sidecar to the Deployments, StatefulSets, DaemonSets and Pods of a Kubernetes manifest')
    .requiredOption('-f, --filename <file>', 'manifest to read (multi-document YAML; - for stdin)')
    .option('-o, --output <file>', 'where to write the result (default: stdout)')
    .option('--xds-address <host:port>', "weft's xDS address as pods see it", d.xdsAddress)
    .option('--image <image>', 'Envoy image of the sidecar', d.image)
    .option('--init-image <image>', 'image with iptables-restore for the init container (the weft image has it)', d.initImage)
    .option('--trust-domain <domain>', 'trust domain of the mesh', d.trustDomain)
    .option('--namespace <ns>', 'namespace for documents that name none', d.namespace)
    .option('--admin-port <port>', "weft's admin port (excluded from redirection like the xDS port)", port('--admin-port'), d.adminPort)
    .option('--exclude-inbound-ports <list>', 'inbound ports that reach the application directly (e.g. probe ports)', csv, [])
    .option('--exclude-outbound-ports <list>', 'destination ports that bypass the sidecar', csv, [])
    .option('--log-level <level>', 'Envoy log level', d.logLevel)
    .option('--sidecar-mode <mode>', 'native (an init container with restartPolicy: Always, Kubernetes >= 1.29) or container (the layout before native sidecars)', d.sidecarMode)
    .option('--no-rewrite-probes', 'leave application HTTP probes on their ports (they fail under mtls: strict unless excluded)')
    .action(async (f: InjectFlags) => {
      const options = toOptions(f);
      const file = f.filename === '-' ? '<stdin>' : f.filename;
      const text = await readInput(f.filename);
      const result = injectManifests(text, file, options);
      for (const diag of result.diagnostics) process.stderr.write(`${formatDiagnostic(diag)}\n`);
      if (result.diagnostics.some((x) => x.severity === 'error')) throw new CliError(`${file}: not injected (fix the errors above)`);
      await writeOutput(f.output, result.text);
      const summary = [...result.injected.map((w) => `injected ${w}`), ...result.skipped.map((w) => `skipped ${w}`)];
      if (f.output) process.stderr.write(`${summary.join('\n')}${summary.length ? '\n' : ''}wrote ${f.output}${result.changed ? '' : ' (unchanged)'}\n`);
    });
}

function portList(flag: string, items: string[]): number[] {
  const parse = port(flag);
  return items.map((v) => parse(v));
}

function toOptions(f: InjectFlags): InjectOptions {
  if (!/^[^\s:]+:\d+$/.test(f.xdsAddress) && !/^\[[^\]]+\]:\d+$/.test(f.xdsAddress)) {
    throw new UsageError(`--xds-address "${f.xdsAddress}" is not host:port (example: weft.weft-system.svc:18000)`);
  }
  if (f.sidecarMode !== 'native' && f.sidecarMode !== 'container') throw new UsageError(`--sidecar-mode must be native or container, not "${f.sidecarMode}"`);
  return {
    sidecarMode: f.sidecarMode, rewriteProbes: f.rewriteProbes,
    xdsAddress: f.xdsAddress, image: f.image, initImage: f.initImage, trustDomain: f.trustDomain, namespace: f.namespace,
    adminPort: f.adminPort, logLevel: f.logLevel,
    excludeInboundPorts: portList('--exclude-inbound-ports', f.excludeInboundPorts),
    excludeOutboundPorts: portList('--exclude-outbound-ports', f.excludeOutboundPorts),
  };
}

async function readInput(name: string): Promise<string> {
  try {
    if (name !== '-') return await readFile(name, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw new CliError(`cannot read ${name}: ${(err as Error).message}`);
  }
}

async function writeOutput(name: string | undefined, text: string): Promise<void> {
  if (!name || name === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(name, text);
  } catch (err) {
    throw new CliError(`cannot write ${name}: ${(err as Error).message}`);
  }
}
