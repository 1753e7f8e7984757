/**
 * What this machine offers the Envoy end-to-end suite: an Envoy binary (scripts/mesh/envoy-bin.ts:
 * `ENVOY_BIN`, `envoy` on PATH, or the `.cache/envoy` virtualenv `.ci/run` installs).
 *
 * Every scenario is declared whether or not it can run; one that cannot is reported as skipped
 * with the reason in its name, never as passed.
 */
import { execFileSync } from 'node:child_process';
import { findEnvoy } from '../../scripts/mesh/envoy-bin.js';

/** Absolute path of the Envoy binary, or undefined when there is none. */
export const envoyBin: string | undefined = findEnvoy();

/** Envoy's version line (`envoy --version`), for failure messages and the log. */
export function envoyVersion(): string {
  if (!envoyBin) return 'none';
  try {
    return execFileSync(envoyBin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

export const NO_ENVOY = 'no envoy binary: ENVOY_BIN, PATH or .cache/envoy (scripts/install-envoy.sh)';

/** The test name with the reason appended when the scenario will be skipped. */
export function named(title: string, skipReason: string | undefined): string {
  return skipReason ? `${title} (skipped: ${skipReason})` : title;
}

/** Why a scenario that needs Envoy cannot run here, or undefined. */
export const needsEnvoy: string | undefined = envoyBin ? undefined : NO_ENVOY;
