/**
 * The lifecycle of a namespace mesh in a test file, written once: call `useNetnsMesh(options)`
 * inside a `describe` (or at the top level of a file with one mesh) and it registers the hooks that start the mesh before the block's first
 * scenario (every sidecar converged, see `NetnsMesh.start`), check after each scenario that every
 * Envoy agrees with weft (`guardEnvoys`), and stop it after the last one. Where the mesh cannot
 * run (`netnsSkip`) nothing is started and the block's `scenario`s skip by name.
 *
 * Namespace meshes take no machine-wide lock (docs/e2e.md "The namespace mesh").
 */
import { afterAll, beforeAll } from 'vitest';
import { guardEnvoys } from '../health.js';
import { netnsSkip } from './calls.js';
import { NetnsMesh, type NetnsMeshOptions } from './mesh.js';

/** The mesh of one `describe` block (or file). */
export interface UsedNetnsMesh {
  /** The running mesh; throws when called outside the block's scenarios (not started, or skipped). */
  (): NetnsMesh;
  /** The after-scenario agreement check; `guard.expect({ rejected: ['RDS'] })` in a scenario that makes Envoy reject an update. */
  readonly guard: ReturnType<typeof guardEnvoys>;
}

/** Registers the start, guard and stop hooks of one namespace mesh in the current `describe` (or file). */
export function useNetnsMesh(options: NetnsMeshOptions, startTimeoutMs = 120_000): UsedNetnsMesh {
  let mesh: NetnsMesh | undefined;
  beforeAll(async () => {
    if (netnsSkip) return;
    mesh = await NetnsMesh.start(options);
  }, startTimeoutMs);
  const guard = guardEnvoys(() => mesh && { weftAdmin: mesh.weft.admin.url, envoys: mesh.envoys() });
  afterAll(async () => {
    const m = mesh;
    mesh = undefined;
    await m?.stop();
  });
  const get = (): NetnsMesh => {
    if (!mesh) throw new Error('the namespace mesh is not running here (only inside the scenarios that use it)');
    return mesh;
  };
  return Object.assign(get, { guard });
}
