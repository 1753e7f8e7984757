/**
 * The code table of the control plane (`WEFT6xxx`: applying a change to the running control plane).
 * src/common/diagnostics.ts describes the model; docs/diagnostics.md is generated from this table.
 */
import type { CodeTable } from '../common/index.js';

export const ControlPlaneCodes = {
  trustDomainChange: {
    code: 'WEFT6001', severity: 'error',
    summary: 'The policy\'s `trustDomain` differs from the CA\'s; the change is rejected and the last good policy keeps serving.',
    action: 'Keep the trust domain, or restart weft with a CA for the new one.',
  },
} as const satisfies CodeTable;
