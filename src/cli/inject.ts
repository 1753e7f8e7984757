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
import { injectManifests } from '../inject/index.js';
import { CliError } from './errors.js';
import { addInjectOptions, toInjectOptions, type InjectFlags } from './inject-options.js';

interface Flags extends InjectFlags {
  filename: string;
  output?: string;
}

export function injectCommand(): Command {
  const cmd = new Command('inject')
    .description('add the weft Envoy sidecar to the Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods of a Kubernetes manifest')
    .requiredOption('-f, --filename <file>', 'manifest to read (multi-document YAML; - for stdin)')
    .option('-o, --output <file>', 'where to write the result (default: stdout)');
  return addInjectOptions(cmd)
    .action(async (f: Flags) => {
      const options = toInjectOptions(f);
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
