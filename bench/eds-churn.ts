/**
 * eds-churn: endpoints move at a steady rate in a scoped mesh; every change must reach, as EDS
 * only, the proxies that see its service. Method: docs/benchmarks.md.
 *
 *   npm run bench -- eds-churn [--proxies 1000] [--services 1000] [--endpoints 10]
 *       [--per-namespace 100] [--rate 40] [--changes 400] [--loadgens 2] [--quiet-ms N --max-ms N]
 *
 * Defaults: 10,000 endpoints (1,000 services × 10) and 1,000 proxies in 10 namespaces that reach
 * only themselves, so each change concerns 100 proxies; 40 changes/s for 10 s; the reconciler's
 * default debounce of registry changes (--quiet-ms/--max-ms override it). Writes bench/results/eds-churn.json (or --out NAME).
 */
import { parseArgs } from 'node:util';
import { runEdsChurn, type ChurnOptions } from './_eds-churn.js';
import { intOption } from './_cli.js';
import { machineBefore, writeResult } from './_results.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '1000' }, services: { type: 'string', default: '1000' }, endpoints: { type: 'string', default: '10' },
    'per-namespace': { type: 'string', default: '100' }, rate: { type: 'string', default: '40' }, changes: { type: 'string', default: '400' },
    loadgens: { type: 'string', default: '2' }, 'quiet-ms': { type: 'string' }, 'max-ms': { type: 'string' }, out: { type: 'string', default: 'eds-churn' },
  },
});
const quiet = values['quiet-ms'] === undefined ? undefined : intOption(values['quiet-ms'], 'quiet-ms', 0, 60_000);
const options: ChurnOptions = {
  proxies: intOption(values.proxies, 'proxies', 1, 10_000),
  services: intOption(values.services, 'services', 1, 50_000),
  endpoints: intOption(values.endpoints, 'endpoints', 2, 1000),
  perNamespace: intOption(values['per-namespace'], 'per-namespace', 1, 50_000),
  rate: intOption(values.rate, 'rate', 1, 1000),
  changes: intOption(values.changes, 'changes', 1, 60_000),
  loadgens: intOption(values.loadgens, 'loadgens', 1, 4),
  ...(quiet === undefined ? {} : { registryDebounce: { quietMs: quiet, maxMs: intOption(values['max-ms'] ?? '10000', 'max-ms', 1, 600_000) } }),
};
const machine = machineBefore();
const report = await runEdsChurn(options);
console.table({ ...report, options: undefined, by_type: undefined, unexpected_names: undefined });
console.log('sent during the churn:', report.by_type);
console.log(`wrote ${writeResult(values.out!, 'eds-churn', machine, report)}`);
