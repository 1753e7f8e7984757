/** `weft validate DIR [--registry FILE] [--policy-ref REF]`: the checks `serve` runs, for CI pipelines. */
import { Command } from 'commander';
import { StaticRegistrySource } from '../discovery/index.js';
import { validatePolicyCommand } from '../policy/index.js';

export function validateCommand(): Command {
  return new Command('validate')
    .description('check a policy directory (syntax, schema, references); exit 1 on errors')
    .argument('<dir>', 'policy directory')
    .option('--registry <file>', 'also check service and port references against this static registry')
    .option('--policy-ref <ref>', 'check the directory as it is in this git commit (e.g. HEAD), not the work tree')
    .action(async (dir: string, flags: { registry?: string; policyRef?: string }) => {
      let services;
      if (flags.registry) {
        const source = new StaticRegistrySource(flags.registry);
        try {
          await source.start();
        } catch (err) {
          process.stderr.write(`${(err as Error).message}\nfix the registry file, or leave out --registry to check the policy alone\n`);
          process.exitCode = 1;
          return;
        } finally {
          await source.stop();
        }
        services = source.current().services;
      }
      const result = await validatePolicyCommand(dir, services, { ref: flags.policyRef });
      (result.exitCode === 0 ? process.stdout : process.stderr).write(result.text);
      process.exitCode = result.exitCode;
    });
}
