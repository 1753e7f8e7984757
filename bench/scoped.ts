/**
 * scoped: a policy change that concerns 1 % of the proxies must reach only those. Method:
 * docs/benchmarks.md.
 *
 *   npm run bench -- scoped [--proxies 1000] [--services 1000] [--endpoints 4] [--per-namespace 10]
 *       [--rounds 5] [--warmup 1] [--loadgens 2]
 *
 * Defaults: 100 namespaces of 10 services that reach only themselves, 1,000 proxies (10 per
 * namespace), so a TrafficPolicy change in the first namespace concerns 1 %. Writes
 * bench/results/scoped.json (or --out NAME).
 */
import { parseArgs } from 'node:util';
import { intOption } from './_cli.js';
import { machineBefore, writeResult } from './_results.js';
import { runScoped } from './_scoped.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '1000' }, services: { type: 'string', default: '1000' }, endpoints: { type: 'string', default: '4' },
    'per-namespace': { type: 'string', default: '10' }, rounds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '1' },
    loadgens: { type: 'string', default: '2' }, out: { type: 'string', default: 'scoped' },
  },
});
const machine = machineBefore();
const report = await runScoped({
  proxies: intOption(values.proxies, 'proxies', 1, 10_000),
  services: intOption(values.services, 'services', 1, 50_000),
  endpoints: intOption(values.endpoints, 'endpoints', 1, 1000),
  perNamespace: intOption(values['per-namespace'], 'per-namespace', 1, 50_000),
  rounds: intOption(values.rounds, 'rounds', 1, 50),
  warmup: intOption(values.warmup, 'warmup', 0, 10),
  loadgens: intOption(values.loadgens, 'loadgens', 1, 4),
});
console.table(report.rounds);
console.log({ ...report, rounds: undefined, options: undefined });
console.log(`wrote ${writeResult(values.out!, 'scoped', machine, report)}`);
