/**
 * idle: server memory per connected proxy with nothing changing, for weft, the transport floor
 * and go-control-plane in the same run (the fan-out harness with no rounds). Method:
 * docs/benchmarks.md.
 *
 *   npm run bench -- idle [--proxies 1000,5000] [--config-kb 10] [--loadgens 2]
 *
 * Writes bench/results/idle.json (or --out NAME): per proxy count, each target's KB per proxy
 * (RSS synced and idle minus RSS before any connection, after a full GC) and weft's ratios.
 */
import { parseArgs } from 'node:util';
import { intOption } from './_cli.js';
import { runFanout } from './_fanout-harness.js';
import { ratio } from './_fanout-report.js';
import { machineBefore, writeResult } from './_results.js';

const { values } = parseArgs({
  options: { proxies: { type: 'string', default: '1000,5000' }, 'config-kb': { type: 'string', default: '10' }, loadgens: { type: 'string', default: '2' }, out: { type: 'string', default: 'idle' } },
});
const counts = values.proxies!.split(',').map((v) => intOption(v, 'proxies', 1, 10_000));
const machine = machineBefore();
const runs = [];
for (const proxies of counts) {
  const report = await runFanout({ proxies, rounds: 0, warmup: 0, configKb: intOption(values['config-kb'], 'config-kb', 1, 4096), loadgens: intOption(values.loadgens, 'loadgens', 1, 4) });
  const by = Object.fromEntries(report.results.map((r) => [r.target, { idle_kb_per_proxy: r.idle_kb_per_proxy, rss_before_mb: r.rss_before_mb, rss_mb: r.rss_mb, sync_s: r.sync_s }]));
  const kb = (t: string) => by[t]?.idle_kb_per_proxy;
  runs.push({
    proxies, bytes_per_proxy: report.bytes_per_proxy, targets: by,
    ratio_idle_floor: ratio(kb('weft'), kb('floor')), ratio_idle_gocp: ratio(kb('weft'), kb('go-control-plane')),
    peer_skipped: report.peer_skipped ?? null,
  });
  console.log(`idle ${proxies} proxies:`, by, `weft/go-control-plane ${runs.at(-1)!.ratio_idle_gocp}`);
}
console.log(`wrote ${writeResult(values.out!, 'idle', machine, { runs })}`);
