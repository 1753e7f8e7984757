/**
 * What this machine offers the Envoy end-to-end suite: an Envoy binary (`ENVOY_BIN`, else `envoy`
 * on PATH; `.ci/run` installs one with scripts/install-envoy.sh).
 *
 * Every scenario is declared whether or not it can run; one that cannot is reported as skipped
 * with the reason in its name, never as passed.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Absolute path of the Envoy binary, or undefined when there is none. */
export const envoyBin: string | undefined = process.env.ENVOY_BIN || onPath('envoy');

/** Envoy's version line (`envoy --version`), for failure messages and the log. */
export function envoyVersion(): string {
  if (!envoyBin) return 'none';
  try {
    return execFileSync(envoyBin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

export const NO_ENVOY = 'no envoy binary on PATH or ENVOY_BIN';

/** The test name with the reason appended when the scenario will be skipped. */
export function named(title: string, skipReason: string | undefined): string {
  return skipReason ? `${title} (skipped: ${skipReason})` : title;
}

/** Why a scenario that needs Envoy cannot run here, or undefined. */
export const needsEnvoy: string | undefined = envoyBin ? undefined : NO_ENVOY;
