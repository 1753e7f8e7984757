/**
 * Child process of the fan-out harness: runs one target (`_fanout-harness.ts` `runIsolated`)
 * and prints its result as one JSON line, last on stdout.
 */
import { runOneTarget, type FanoutOptions } from './_fanout-harness.js';
import type { TargetName } from './_targets.js';

const { name, opts, peerBinary } = JSON.parse(process.argv[2]!) as { name: TargetName; opts: FanoutOptions; peerBinary?: string };
const result = await runOneTarget(name, opts, peerBinary);
process.stdout.write(`\n${JSON.stringify(result)}\n`);
process.exit(0);
