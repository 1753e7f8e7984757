/**
 * storm: every proxy reconnects at once over mTLS and needs its certificates (SDS) again; weft,
 * the grpc-js floor and go-control-plane in the same run. Method: docs/benchmarks.md.
 *
 *   npm run bench -- storm [--proxies 5000] [--services 500] [--per-namespace 50] [--endpoints 4]
 *       [--loadgens 2] [--timeout-s 120] [--only weft|floor|go-control-plane]
 *
 * Defaults: 500 services (one identity each, 10 proxies per identity) in 10 namespaces that
 * reach only themselves. Writes bench/results/storm.json (or --out NAME).
 */
import { parseArgs } from 'node:util';
import { intOption } from './_cli.js';
import { machineBefore, writeResult } from './_results.js';
import { runStorm } from './_storm.js';
import type { TargetName } from './_targets.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '5000' }, services: { type: 'string', default: '500' }, 'per-namespace': { type: 'string', default: '50' },
    endpoints: { type: 'string', default: '4' }, loadgens: { type: 'string', default: '2' }, 'timeout-s': { type: 'string', default: '120' },
    only: { type: 'string' }, out: { type: 'string', default: 'storm' },
  },
});
const only = values.only as TargetName | undefined;
if (only !== undefined && !['weft', 'floor', 'go-control-plane'].includes(only)) {
  console.error(`--only must be weft, floor or go-control-plane, got ${only}`);
  process.exit(2);
}
const machine = machineBefore();
const report = await runStorm({
  proxies: intOption(values.proxies, 'proxies', 1, 10_000),
  services: intOption(values.services, 'services', 1, 50_000),
  perNamespace: intOption(values['per-namespace'], 'per-namespace', 1, 50_000),
  endpoints: intOption(values.endpoints, 'endpoints', 1, 1000),
  loadgens: intOption(values.loadgens, 'loadgens', 1, 4),
  timeoutMs: intOption(values['timeout-s'], 'timeout-s', 1, 600) * 1000,
  ...(only ? { targets: [only] } : {}),
});
console.table(report.results.map((r) => ({ ...r, failure: r.failure?.slice(0, 60) })));
if (report.peer_skipped) console.log(`go-control-plane: skipped (${report.peer_skipped})`);
console.log(`weft/go-control-plane: storm ${report.ratio_storm_s_gocp ?? '-'}  cpu ${report.ratio_cpu_gocp ?? '-'}  KB/proxy ${report.ratio_kb_per_proxy_gocp ?? '-'}`);
console.log(`wrote ${writeResult(values.out!, 'storm', machine, report)}`);
