/**
 * The poll the mesh kit and the tests wait with: `probe` every 100 ms until it returns a value.
 */

/** Polls `probe` every 100 ms until it returns a value; throws with `what()` after `ms`. A probe
 * that throws stops the wait at once. */
export async function until<T>(what: string | (() => string), ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
