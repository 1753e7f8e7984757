/** Retries an assertion until it passes or `ms` run out (then its last error is thrown). */
export async function eventually(fn: () => Promise<void> | void, ms = 15_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
