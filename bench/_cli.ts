/** Command-line helpers shared by the benchmarks. */

/** `v` as an integer in [min, max], or exit 2 with a message naming `--name`. */
export function intOption(v: string | undefined, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer in [${min}, ${max}], got ${v}`);
    process.exit(2);
  }
  return n;
}
