/**
 * soak: policy and endpoint changes back to back with proxies connected; memory must not grow.
 * Method: docs/benchmarks.md.
 *
 *   npm run bench -- soak [--proxies 1000] [--services 1000] [--endpoints 10] [--per-namespace 100]
 *       [--policy-changes 1000] [--endpoint-changes 100000] [--max-seconds 1500] [--quiet-ms N --max-ms N]
 *
 * Defaults as issue 13 asks: 1,000 policy changes and 100,000 endpoint changes with 1,000
 * proxies, the reconciler's default debounce; at most --max-seconds, after which the report says
 * how many steps ran. Writes bench/results/soak.json (or --out NAME).
 */
import { parseArgs } from 'node:util';
import { intOption } from './_cli.js';
import { machineBefore, writeResult } from './_results.js';
import { runSoak } from './_soak.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '1000' }, services: { type: 'string', default: '1000' }, endpoints: { type: 'string', default: '10' },
    'per-namespace': { type: 'string', default: '100' }, 'policy-changes': { type: 'string', default: '1000' },
    'endpoint-changes': { type: 'string', default: '100000' }, 'max-seconds': { type: 'string', default: '1500' },
    loadgens: { type: 'string', default: '2' }, 'quiet-ms': { type: 'string' }, 'max-ms': { type: 'string' }, out: { type: 'string', default: 'soak' },
  },
});
const quiet = values['quiet-ms'] === undefined ? undefined : intOption(values['quiet-ms'], 'quiet-ms', 0, 60_000);
const machine = machineBefore();
const report = await runSoak({
  proxies: intOption(values.proxies, 'proxies', 1, 10_000),
  services: intOption(values.services, 'services', 1, 50_000),
  endpoints: intOption(values.endpoints, 'endpoints', 2, 1000),
  perNamespace: intOption(values['per-namespace'], 'per-namespace', 1, 50_000),
  policyChanges: intOption(values['policy-changes'], 'policy-changes', 1, 100_000),
  endpointChanges: intOption(values['endpoint-changes'], 'endpoint-changes', 0, 3_000_000),
  maxSeconds: intOption(values['max-seconds'], 'max-seconds', 1, 7200),
  loadgens: intOption(values.loadgens, 'loadgens', 1, 4),
  ...(quiet === undefined ? {} : { debounce: { quietMs: quiet, maxMs: intOption(values['max-ms'] ?? '10000', 'max-ms', 1, 600_000) } }),
});
console.log({ ...report, options: undefined });
console.log(`wrote ${writeResult(values.out!, 'soak', machine, report)}`);
