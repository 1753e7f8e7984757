/**
 * `weft validate DIR [--registry FILE] [--policy-ref REF] [--envoy]`: the checks `serve` runs, for
 * CI pipelines; `--envoy` also has Envoy itself validate every sidecar's configuration
 * (validate-envoy.ts).
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { StaticRegistrySource, type ServiceRegistry } from '../discovery/index.js';
import { formatDiagnostic, loadPolicyCommit, loadPolicyDir, validatePolicyCommand, type Diagnostic } from '../policy/index.js';
import { ENVOY_MISSING, NO_ENVOY_MESSAGE, validateWithEnvoy } from './validate-envoy.js';

interface Flags { registry?: string; policyRef?: string; envoy?: boolean }

export function validateCommand(): Command {
  return new Command('validate')
    .description('check a policy directory (syntax, schema, references); exit 1 on errors')
    .argument('<dir>', 'policy directory')
    .option('--registry <file>', 'also check service and port references against this static registry')
    .option('--policy-ref <ref>', 'check the directory as it is in this git commit (e.g. HEAD), not the work tree')
    .option('--envoy', 'also run `envoy --mode validate` on the configuration of every service\'s sidecar in both interception modes and of every Gateway\'s proxy (needs --registry, and Envoy as ENVOY_BIN or on PATH)')
    .action(async (dir: string, flags: Flags) => {
      process.exitCode = await validate(dir, flags);
    });
}

async function validate(dir: string, flags: Flags): Promise<number> {
  if (flags.envoy && !flags.registry) return fail('--envoy needs --registry FILE: the sidecars it checks are those of the registry\'s services\n');
  const envoy = flags.envoy ? envoyBinary() : undefined;
  if (flags.envoy && !envoy) return fail(`error: ${NO_ENVOY_MESSAGE} [${ENVOY_MISSING}]\n`);
  let registry: ServiceRegistry | undefined;
  if (flags.registry) {
    const source = new StaticRegistrySource(flags.registry);
    try {
      await source.start();
      registry = source.current();
    } catch (err) {
      return fail(`${(err as Error).message}\nfix the registry file, or leave out --registry to check the policy alone\n`);
    } finally {
      await source.stop();
    }
  }
  const result = await validatePolicyCommand(dir, registry?.services, { ref: flags.policyRef });
  (result.exitCode === 0 ? process.stdout : process.stderr).write(result.text);
  if (result.exitCode !== 0 || !envoy || !registry) return result.exitCode;
  const ref = flags.policyRef === undefined ? undefined : await loadPolicyCommit(dir, flags.policyRef);
  const loaded = ref ?? await loadPolicyDir(dir);
  const place = ref?.place ?? ((d: Diagnostic) => (d.source && !path.isAbsolute(d.source.file) ? { ...d, source: { ...d.source, file: path.join(dir, d.source.file) } } : d));
  if (!loaded.ok) return fail(`${loaded.diagnostics.map(place).map(formatDiagnostic).join('\n')}\n`);
  const checked = await validateWithEnvoy(loaded.policy, registry, envoy);
  const sidecars = checked.checked.flatMap((c) => (c.kind === 'sidecar' ? [c.service] : []));
  const gateways = checked.checked.length - sidecars.length;
  const also = gateways > 0 ? ` and ${gateways} gateway configuration${gateways === 1 ? '' : 's'}` : '';
  if (checked.diagnostics.length > 0) {
    return fail(`${checked.diagnostics.map(place).map(formatDiagnostic).join('\n')}\nEnvoy rejected the configuration of ${sidecars.length} sidecar configurations${also} checked: ${checked.diagnostics.length} error(s)\n`);
  }
  process.stdout.write(`envoy OK: ${sidecars.length} sidecar configurations (${new Set(sidecars).size} services × iptables, explicit)${also} pass envoy --mode validate (${envoy})\n`);
  return 0;
}

function fail(text: string): number {
  process.stderr.write(text);
  return 1;
}

/** `ENVOY_BIN`, else `envoy` on PATH. */
function envoyBinary(): string | undefined {
  if (process.env.ENVOY_BIN) return process.env.ENVOY_BIN;
  for (const d of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(d, 'envoy'), constants.X_OK);
      return path.join(d, 'envoy');
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
